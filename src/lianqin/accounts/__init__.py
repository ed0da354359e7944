"""Accounts: login with lockout and an optional TOTP second factor, idle timeout, forced
password change after an administrator's reset (SECURITY.md, "Accounts")."""
