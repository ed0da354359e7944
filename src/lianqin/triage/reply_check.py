"""The reply check (答复质量检查): before a case is closed, does the unit's reply (答复意见)
answer *this* case, say what was done and what came of it, and give the citizen a way to
follow up? A reply that does not is flagged for the verifier (核查员) with reasons in
Chinese; the verifier, not this module, decides. Pure: stdlib only, no clock, no I/O.

How a reply is read (``docs/reply_check.md`` has the figures on 2,816 real replies and
the hand-judged precision behind every default):

1. **Clauses.** The reply is cut at punctuation into clauses; from each, the empty phrases
   (``Rules.empty``: 已收悉, 高度重视, 现回复如下, 感谢您的支持, dates, user ids…) are
   removed, and a clause that only says "已转 X 调查处理" is a forwarding notice. What is
   left, joined, is the *substance*; every cue below is looked for in the substance
   (normalised text: no punctuation, lower case), never in the courtesy around it.
2. **Boilerplate / too short.** Substance under ``min_substance`` characters after set
   phrases were removed: boilerplate. Under ``min_chars``: too thin to show anything.
3. **Relevance.** The message's content bigrams (``triage.text``: function words and
   the words every complaint uses set aside) that recur in the substance; those of the
   subject (the first line of ``case_text``) count twice. ``relevance`` = hits /
   ``relevance_full``, capped at 1; under ``min_relevance`` the reply is off topic. The
   places the subject names (小区, 村…) are looked for too (advisory).
4. **Parts.** ``action`` (调查, 核实, 责令, 清理…), ``result`` (已…, 经查, 属实, 可以, 符合,
   将于…), ``basis`` (根据, 规定, 条例…), ``contact`` (联系电话, a number). What is
   required depends on what the subject asks (:func:`kind_of`): a complaint needs an
   action and a result, a request a result, a question or a suggestion an answer (a
   result, a basis, a contact or ``answer_chars`` of substance). A refusal (不予受理,
   不符合…条件) needs a basis or a reason; a deflection or an interim reply (待…后, 正在研究
   and no result) needs a contact.
5. **Deflection.** "建议您向…咨询", "不属于我单位职责" with nothing done or answered besides;
   the message names the unit the citizen is sent to, or says that none is named.
6. **Template.** The substance is nearly the same (bigram Jaccard ≥
   ``template_similarity``) as ``template_min`` or more of ``similar_replies``.
7. **Late.** ``replied_at - asked_at`` over ``late_after`` (advisory).

What must hold: the result depends only on the arguments (no corpus, no clock; the
signature cache never changes a result); ``score`` is in [0, 1] and is ``1 - Σ`` the
penalties of the findings; ``ok`` is False exactly when a finding is not advisory;
naive datetimes are refused (ValueError); a reply that is only set phrases is always
flagged ``boilerplate``; every finding's message is Chinese a verifier can act on.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import lru_cache
from typing import Literal

from lianqin.triage.text import (
    COMMON_WORDS,
    normalize,
    place_names,
    places_agree,
    shingles,
    weak_grams,
)

Kind = Literal["complaint", "request", "question", "suggestion"]


@dataclass(frozen=True)
class Finding:
    """One reason to look at a reply: a stable ``code`` and a Chinese ``message``."""

    code: str
    message: str


@dataclass(frozen=True)
class ReplyCheck:
    """``ok``: nothing but advisory findings. ``score``: 1 minus the findings' penalties.
    ``parts``: which parts the reply has (``place`` only when the message names one)."""

    ok: bool
    score: float
    findings: tuple[Finding, ...]
    parts: dict[str, bool] = field(default_factory=dict)
    relevance: float = 0.0
    kind: Kind = "complaint"


# Cue lists: regular-expression fragments matched on *normalised* text (NFKC, lower case,
# no punctuation or spaces, courtesy words like 您好/谢谢 already gone), so no cue may
# contain punctuation. Hand-written from the vocabulary of government replies.
_EMPTY = (
    r"(?:尊敬的)?(?:网友|网民|市民|来信人|来信(?=同志|朋友)|信访人|留言人)(?:朋友|同志)?",
    r"[a-z_]{1,12}\d{3,}",  # user ids: uu0081176
    r"(?:\d{4}年)?\d{1,2}月\d{1,2}[日号]?",  # the reply's date
    r"(?:关于)?(?:您|你|帖文中|帖子中|网帖中|留言中|来信中)(?:们)?(?:所)?(?:反映|反应|提出|咨询|提到|来信|留言)(?:的)?(?:问题|情况|诉求|建议|意见|事项)?",
    r"(?:您|你)?(?:的)?(?:通过.{0,12}?的?)?(?:留言|来信|来帖|发帖|帖子|网帖|帖文|函件|信件|来函|意见|问题|诉求|邮件)?"
    r"(?:我局|我们|我单位|我中心|我支队|我委|我办|我院|我镇|我县|我区)?(?:已经?)?(?:收悉|收到|知悉|阅悉|阅办|阅)",
    r"(?:我局|我们|我单位|我中心|我委|我办)?(?:对此|就此)?(?:高度|非常|十分|极为|极其)重视",
    r"(?:现将?|现就)?(?:有关|相关|具体|调查|办理|核查|调查处理)?(?:情况|问题|结果)?现?"
    r"(?:回复|答复|函复|反馈|说明)如下|(?:对此)?作出以下(?:回复|答复)",
    r"感谢(?:您|你)?.{0,16}?(?:支持|关心|关注|理解|监督|来信|留言|建议|意见|信任|参与|厚爱)"
    r"(?:[和与及]?(?:支持|关心|关注|理解|监督|信任))*",
    r"谢谢(?:您|你)?(?:的)?(?:关注|支持|来信|理解)?",
    r"祝(?:您|你)?.{0,8}?(?:顺心|愉快|健康|顺利|如意|幸福)",
    r"(?:敬请|请您?)(?:耐心等待|关注后续(?:回复|答复)?|留意近期(?:回复|答复)|关注)",
    r"如有(?:情况|进展|结果)?将?及时(?:回复|反馈|告知|答复)",
    r"办理结果将及时反馈(?:发布上网)?",
    r"正在(?:研究|调查|处理|交办|核实|办理|跟进|核查|落实)+中?",
    r"特此(?:回复|答复|函复|说明)|此复",
    r"(?:非常|十分)?抱歉|深表歉意",
)
_FORWARD = (
    r"(?:我们|我局|我办|该问题|此事|有关问题|相关问题)?(?:已经?将?|现已|并已|已于)"
    r"(?:转交给?|转至|转给|转到|转送|移交给?|交办给?|交由|发函交办给?|转|交(?![纳费付款易流房接叉界]))"
    r"(?P<unit>.{0,16}?)"
    r"(?:调查|核实|核处|核查|处理|办理|办复|处置|答复|回复|反馈|关注|予以|进行|研究)*中?"
)
ACTION = (
    r"调查|核实|核查|查看|查实|经查|查明|现场|实地|走访|约谈|督促|责令|责成|整改|处置|协调|"
    r"召开|组织|安排|沟通|踏勘|勘查|勘察|检查|巡查|执法|查处|立案|清理|清运|拆除|修复|维修|"
    r"更换|安装|下达|了解到|经了解|回访|会商|处罚|罚款|暂扣|取缔|关停|疏通|制止|劝导|测量|监测|"
    r"检测|调解|联系了|电话联系|与您联系|对接|约见|排查|治理|研究|论证|对此进行|开展|据查|据了解|"
    r"进行了|已向|申请|了解|扣押|撤除|衔接|部署|督办|派员|赶赴|上门|入户|设置|规划|报请|上报|发函|"
    r"汇报|审核|审查|复核|核算|评估|验收"
)
# What came of it: something done (已…), found (经查…, 属实, 不存在), answered (可以, 符合,
# 按规定…) or promised with a time or a verb (将于, 纳入计划, 将尽快…).
RESULT = (
    r"已(?![收阅转交])|现已|目前|结果|查明|属实|不存在|确实|确有|情况是|并未|未发现|查无|并非|"
    r"没有(?:发现|组织|收取|存在|违规)|经.{0,10}?(?:监察|勘察|检查|调查|核实|核查|查|了解)|"
    r"可以|能够|无法|不能|需要|须|应当|应按|按规定|符合|标准|规定|同意|采纳|予以|不予|不具备|"
    r"暂不|暂无|不属|属于|认定|明确|决定|考虑|作出|做出|进行了|给予了|加装|冲销|"
    r"将于|预计|计划|争取|年底|月底|纳入|列入|"
    r"(?:将|会|将会)(?:对|在|于|进行|组织|安排|加大|继续|迅速|尽快|立即|及时|抓紧|积极|启动|"
    r"实施|开展|增设|解决|完成|修复|整改|责成)"
)
BASIS = (
    r"根据|依据|按照|依照|遵照|规定|条例|办法|法律|法规|政策|文件|细则|条款|第[一二三四五六七八九十百零\d]+条|"
    r"号文|发〔|号〕|实施意见|通知要求|标准"
)
CONTACT = (
    r"联系电话|咨询电话|服务电话|办公电话|监督电话|举报电话|联系方式|联系人|热线|致电|拨打|"
    r"电话\d|(?<!\d)(?!(?:19|20)\d\d(?:19|20)\d\d(?!\d))\d{7,}"
)
REFUSAL = (
    r"不予(?:受理|支持|办理|批准|采纳|考虑|认定|解决|补偿|报销|登记|立案)|"
    r"不符合.{0,12}?(?:条件|规定|要求|政策|标准|范围)|不属于.{0,12}?(?:范围|范畴|对象|条件)|"
    r"暂不(?:能|予|具备|考虑|安排|实施|纳入|支持)|不具备.{0,8}?条件|不能予以|"
    r"无法(?:办理|受理|满足|支持|认定|审批)|不能(?:办理|受理|享受|满足|报销)"
)
# A refusal that gives the facts found (经调查…, 由于…) is reasoned even without a rule.
REASON = r"因为|由于|鉴于|原因|据查|据了解|经(?:调查|核实|核查|查|现场|实地)"
DEFER = (
    r"正在(?:研究|调查|核实|处理|办理|协调|论证|跟进|制定|争取)|待(?![遇定]).{0,8}后|暂未|"
    r"尚未(?:完成|解决|办理|落实|到位|出台)|拟于|将于|进一步研究"
)
DEFLECT = (
    r"(?<![的条项])建议(?:您|你)?(?:直接|可|可以)?(?:向|到|去|和|与|跟|咨询|拨打|联系|致电|前往|访问|登录|通过)|"
    r"请(?:您|你)?(?:直接|自行)?(?:向|到|去|前往|咨询|拨打|致电|联系)|"
    r"(?:您|你)可(?:以)?(?:直接)?(?:向|到|咨询|拨打|致电)|"
    r"不属于(?:我|本).{0,8}?(?:职责|职权|职能|管辖|受理|业务)|不在.{0,10}?(?:职责|职权|职能|受理|管辖)范围|"
    r"无效信件|不再进入处理程序|不予受理"
)
UNIT = (
    r"[\u4e00-\u9fffa-z0-9]{1,12}?(?:局|委员会|委|办公室|中心|派出所|所|科|股|大队|支队|院|公司|"
    r"站|街道办事处|街道|镇政府|乡政府|政府|法院|处|管委会|部(?!门)|办)"
)
QUESTION = r"咨询|请问|询问|问询|能否|是否|可否|可不可以|能不能|有没有|怎么|怎样|如何|多少|哪里|哪些|何时|什么时候|吗|\?|？"
SUGGESTION = r"建议|提议|倡议|希望|呼吁"
COMPLAINT = (
    r"投诉|举报|违规|违法|违建|违章|乱|扰民|噪音|噪声|污染|拖欠|欠薪|霸占|占道|不作为|强制|骗|"
    r"隐患|整治|查处|拆除"
)
_DEFAULT_PENALTIES = (
    ("boilerplate", 0.7),
    ("off_topic", 0.5),
    ("deflects", 0.5),
    ("no_result", 0.35),
    ("too_short", 0.3),
    ("no_action", 0.2),
    ("template", 0.3),
    ("no_basis", 0.15),
    ("no_contact", 0.1),
    ("no_place", 0.1),
    ("late", 0.1),
    ("bad_time", 0.0),
)


@dataclass(frozen=True)
class Rules:
    """Everything the check decides by; hashable, so its regexes are compiled once.

    Cue fields are regex alternations on normalised text (see the module docstring);
    ``empty`` and ``forward`` are tuples of them. ``require_contact``: ``"always"``,
    ``"unresolved"`` (when the reply deflects, or is only an interim reply — it defers
    and gives no result: the citizen has to come back) or ``"never"``. ``late_after`` is
    a calendar duration (30 days: a month is late whatever the calendar); a deployment
    with an SLA should set it to the stage's limit. ``advisory`` findings are listed but
    leave ``ok`` True. ``penalties``: what each finding costs the score."""

    empty: tuple[str, ...] = _EMPTY
    forward: tuple[str, ...] = (_FORWARD,)
    action: str = ACTION
    result: str = RESULT
    basis: str = BASIS
    contact: str = CONTACT
    refusal: str = REFUSAL
    reason: str = REASON
    defer: str = DEFER
    deflect: str = DEFLECT
    unit: str = UNIT
    question: str = QUESTION
    suggestion: str = SUGGESTION
    complaint: str = COMPLAINT
    min_substance: int = 12
    min_chars: int = 20
    answer_chars: int = 30
    relevance_full: int = 8
    min_relevance: float = 0.25
    require_contact: Literal["always", "unresolved", "never"] = "unresolved"
    late_after: timedelta = timedelta(days=30)
    template_similarity: float = 0.8
    template_min: int = 2
    penalties: tuple[tuple[str, float], ...] = _DEFAULT_PENALTIES
    advisory: frozenset[str] = frozenset({"late", "no_place", "bad_time"})


DEFAULT = Rules()


# The Rules fields that hold one regex each (``cp.cue[name]``).
_CUES = (
    "action", "result", "basis", "contact", "refusal", "reason", "defer", "deflect", "unit",
    "question", "suggestion", "complaint",
)  # fmt: skip


@dataclass(frozen=True, eq=False)
class _Compiled:
    """A rule set's regexes, compiled once, and its cache of reply signatures."""

    empty: re.Pattern[str]
    forward: tuple[re.Pattern[str], ...]
    responsible: re.Pattern[str]
    cue: dict[str, re.Pattern[str]]
    signatures: dict[str, frozenset[str]] = field(default_factory=dict)


@lru_cache(maxsize=16)
def _compile(rules: Rules) -> _Compiled:
    return _Compiled(
        empty=re.compile("|".join(f"(?:{p})" for p in rules.empty)),
        forward=tuple(re.compile(p) for p in rules.forward),
        responsible=re.compile(
            rf"(?:属于?|由|归)({rules.unit}|[\u4e00-\u9fffa-z0-9]{{2,10}}部门)"
            r"(?:管辖|负责|管理|统筹|主管|办理)"
        ),
        cue={name: re.compile(getattr(rules, name)) for name in _CUES},
    )


_CLAUSE = re.compile(r"[。！!？?；;，,：:\s]+")


@dataclass(frozen=True)
class Reading:
    """A reply taken apart: what it says, and the set phrases around it."""

    substance: str  # the content clauses, normalised and joined
    empty_seen: tuple[str, ...]  # empty phrases met, in order (for the message)
    forwarded_to: tuple[str, ...]  # units named in forwarding notices


# A character normalize() keeps (CJK extension A) and no reply uses: it marks the clause
# boundaries, so the whole reply is normalised in one call (removed from the input first).
_SEP = "\u4dbf"


def _drop(match: re.Match[str], seen: list[str]) -> str:
    seen.append(match.group(0))
    return ""


def read_reply(reply: str, rules: Rules = DEFAULT) -> Reading:
    """Split ``reply`` into substance, empty phrases and forwarding notices (step 1)."""
    cp = _compile(rules)
    kept: list[str] = []
    seen: list[str] = []
    units: list[str] = []
    joined = _SEP.join(_CLAUSE.split(reply.replace(_SEP, "")))
    for clause in normalize(joined).split(_SEP):
        if not clause:
            continue
        rest = cp.empty.sub(lambda m: _drop(m, seen), clause)
        fwd = next((m for p in cp.forward if (m := p.fullmatch(rest))), None)
        if fwd is not None:
            unit = fwd.groupdict().get("unit") or ""
            units.append(unit)
            seen.append("已转" + unit)
        elif rest and (len(rest) > 2 or rest == clause):
            kept.append(rest)  # a fragment left by a removal (已, 我局) is not content
    return Reading("".join(kept), tuple(dict.fromkeys(seen)), tuple(units))


def _subject(case_text: str) -> str:
    for line in case_text.splitlines():
        if line.strip():
            return line
    return ""


def _strong(text: str) -> frozenset[str]:
    grams = shingles(text, 2)
    return grams - weak_grams(grams)


def _trim(norm: str, start: int, end: int) -> str:
    """``norm[start:end]`` without an end character that belongs to a common word just
    outside it (有关|部门 → 部门 is not a key term, so 关部 loses 关)."""
    if start > 0 and norm[start - 1 : start + 1] in COMMON_WORDS:
        start += 1
    if end < len(norm) and norm[end - 1 : end + 1] in COMMON_WORDS:
        end -= 1
    return norm[start:end]


def _runs(norm: str, strong: frozenset[str]) -> list[str]:
    """Maximal stretches of ``norm`` covered by strong bigrams: readable key terms."""
    out: list[str] = []
    start = -1
    for i in range(len(norm) - 1):
        if norm[i : i + 2] in strong:
            start = i if start < 0 else start
        elif start >= 0:
            out.append(_trim(norm, start, i + 1))
            start = -1
    if start >= 0:
        out.append(_trim(norm, start, len(norm)))
    trimmed = (_RUN_EDGE.sub("", r) for r in out)
    return [r for r in trimmed if len(r) >= 2]


# Ends of a key-term run that read badly in a message: ids and codes (k2, a市) and a lone
# administrative character left by a code (区车站 → 车站).
_RUN_EDGE = re.compile(r"^[a-z0-9]*[省市区县]?|[a-z0-9]+$")


def relevance(case_text: str, substance: str, rules: Rules = DEFAULT) -> tuple[float, list[str]]:
    """Share of the message's key terms the reply takes up (subject terms count twice),
    and the subject's key terms the reply misses (for the message)."""
    subject = normalize(_subject(case_text))
    subj = _strong(subject)
    every = _strong(normalize(case_text)) | subj
    got = shingles(substance, 2)
    hits = len(subj & got) + len(every & got)
    missing = [
        r for r in _runs(subject, subj) if not any(r[i : i + 2] in got for i in range(len(r) - 1))
    ]
    return min(1.0, hits / max(1, rules.relevance_full)), missing


def kind_of(case_text: str, rules: Rules = DEFAULT) -> Kind:
    """What the message asks for, from its subject: handling of a problem it names
    (``complaint``: 投诉, 举报, 违规, 扰民, 乱收费…), a response (``suggestion``: 建议, 希望…),
    an answer (``question``: 咨询, 能否, 吗…); anything else is a ``request`` (请求加快…),
    which needs a result but not necessarily an investigation."""
    cp = _compile(rules)
    subject = _subject(case_text).lower()
    if cp.cue["complaint"].search(subject):
        return "complaint"
    if cp.cue["suggestion"].search(subject):
        return "suggestion"
    if cp.cue["question"].search(subject):
        return "question"
    return "request"


_SIGNATURES_MAX = 20_000


def _signature(reply: str, rules: Rules, cp: _Compiled) -> frozenset[str]:
    """The bigrams of a reply's substance, cached per rule set (the same recent replies
    of a unit come back with every check; the cache never changes a result)."""
    sig = cp.signatures.get(reply)
    if sig is None:
        if len(cp.signatures) > _SIGNATURES_MAX:
            cp.signatures.clear()
        sig = cp.signatures[reply] = shingles(read_reply(reply, rules).substance, 2)
    return sig


def _template_count(substance: str, similar: Sequence[str], rules: Rules, cp: _Compiled) -> int:
    mine = shingles(substance, 2)
    if not mine:
        return 0
    t = rules.template_similarity
    lo, hi = t * len(mine), len(mine) / t  # Jaccard ≤ small/big: outside, t is out of reach
    sigs = (_signature(other, rules, cp) for other in similar)
    n = 0
    for sig in sigs:
        if lo <= len(sig) <= hi:
            inter = len(mine & sig)
            if inter >= t * (len(mine) + len(sig) - inter):
                n += 1
    return n


def _quote(items: Sequence[str], n: int = 3) -> str:
    return "、".join(f"“{x}”" for x in list(dict.fromkeys(items))[:n])


# Which of the empty phrases met are worth quoting to the verifier (not ids or greetings).
_TELLING = re.compile(r"收悉|收到|知悉|重视|已转|如下|正在|等待|关注|及时")


def _check_time(
    asked_at: datetime | None, replied_at: datetime | None, rules: Rules
) -> list[Finding]:
    for t in (asked_at, replied_at):
        if t is not None and t.utcoffset() is None:
            raise ValueError("asked_at / replied_at must be timezone-aware")
    if asked_at is None or replied_at is None:
        return []
    took = replied_at - asked_at
    if took < timedelta(0):
        return [Finding("bad_time", "答复时间早于留言时间，请核对时间记录")]
    if took > rules.late_after:
        days = took / timedelta(days=1)
        limit = rules.late_after / timedelta(days=1)
        return [Finding("late", f"留言后 {days:.0f} 天才答复，超过 {limit:g} 天的时限")]
    return []


def check_reply(
    case_text: str,
    reply: str,
    *,
    rules: Rules = DEFAULT,
    asked_at: datetime | None = None,
    replied_at: datetime | None = None,
    similar_replies: Sequence[str] = (),
) -> ReplyCheck:
    """Check one reply against the case it answers; see the module docstring for how.

    ``case_text``: the case's subject on the first line, then the address and the
    details. ``similar_replies``: recent replies of the same unit to *other* cases
    (the replies of merged duplicates belong out, or a repeated answer looks like a
    template)."""
    cp = _compile(rules)
    reading = read_reply(reply, rules)
    sub = reading.substance
    if len(cp.signatures) <= _SIGNATURES_MAX:  # the next checks of the unit will pass it
        cp.signatures.setdefault(reply, shingles(sub, 2))
    kind = kind_of(case_text, rules)
    rel, missing = relevance(case_text, sub, rules)
    subject = normalize(_subject(case_text))
    places = frozenset(
        p
        for p in place_names(case_text)
        if p in subject and not any(p[i : i + 2] in COMMON_WORDS for i in range(len(p) - 1))
    )
    parts = {
        "relevant": rel >= rules.min_relevance,
        "action": bool(cp.cue["action"].search(sub)),
        "result": bool(cp.cue["result"].search(sub)),
        "basis": bool(cp.cue["basis"].search(sub)),
        "contact": bool(cp.cue["contact"].search(sub)),
    }
    if places:
        parts["place"] = places_agree(places, sub)
    found: list[Finding] = []
    telling = [e for e in reading.empty_seen if _TELLING.search(e)]
    if len(sub) < rules.min_substance and (telling or not sub):
        said = _quote(telling) or "（空）"
        found.append(Finding("boilerplate", f"答复只有套话{said}，没有办理情况和结果"))
    else:
        found += _content_findings(cp, rules, reading, kind, parts, missing, places)
        if (
            similar_replies
            and (n := _template_count(sub, similar_replies, rules, cp)) >= rules.template_min
        ):
            found.append(
                Finding("template", f"答复与本单位近期另外 {n} 条答复几乎相同，像是套用模板")
            )
    found += _check_time(asked_at, replied_at, rules)
    penalty = dict(rules.penalties)
    score = max(0.0, min(1.0, 1.0 - sum(penalty.get(f.code, 0.0) for f in found)))
    ok = all(f.code in rules.advisory for f in found)
    return ReplyCheck(ok, round(score, 3), tuple(found), parts, round(rel, 3), kind)


# Words that make a refusal a rule being quoted (对不符合条件的…不予批准), not a refusal.
_CONDITIONAL = re.compile("对|凡|如|若")
# Words that make "请到…办理" the answer to "how do I…", not a brush-off.
_HOW_TO = re.compile("办理|申请|认证|鉴定|登记|缴费|报名|领取|补办")
# "以便您的问题可以得到解决": the purpose of the pointer, not something done.
_PURPOSE = re.compile("(?:以便|便于).{0,20}")
# Words that make "请致电…" an offer of follow-up rather than a brush-off.
_FOLLOW_UP = re.compile("如有|如需|如您|若有|如果|如还|若需")


def _deflection(cp: _Compiled, sub: str) -> Finding | None:
    """A deflection: the reply sends the citizen elsewhere and does nothing else (no
    action, no result outside the 20 characters after the cue)."""
    hit = next(
        (
            m
            for m in cp.cue["deflect"].finditer(sub)
            if not _FOLLOW_UP.search(sub[max(0, m.start() - 8) : m.start()])
        ),
        None,
    )
    if hit is None or _HOW_TO.search(sub, hit.end(), hit.end() + 30):
        return None
    rest = _PURPOSE.sub("", sub[: hit.start()] + sub[hit.end() + 20 :])
    if cp.cue["action"].search(rest) or cp.cue["result"].search(rest):
        return None
    if (unit := cp.cue["unit"].match(sub, hit.end())) is not None:
        return Finding(
            "deflects", f"答复只让留言人自行向“{unit.group(0)}”咨询或反映，本单位未作处理"
        )
    if (owner := cp.responsible.search(sub)) is not None:
        return Finding(
            "deflects", f"答复称此事归“{owner.group(1)}”管，只让留言人自行反映，未转办也未处理"
        )
    return Finding("deflects", "答复称不属本单位职责或建议另行咨询，但未说明由哪个单位负责")


def _content_findings(
    cp: _Compiled,
    rules: Rules,
    reading: Reading,
    kind: Kind,
    parts: dict[str, bool],
    missing: list[str],
    places: frozenset[str],
) -> list[Finding]:
    """Findings for a reply with some substance (steps 2-5)."""
    sub = reading.substance
    out: list[Finding] = []
    if len(sub) < rules.min_chars:
        out.append(Finding("too_short", f"答复正文只有 {len(sub)} 个字，过于简单"))
    if not parts["relevant"]:
        what = f"留言主题中的{_quote(missing)}" if missing else "留言所述的问题"
        out.append(Finding("off_topic", f"答复未提及{what}，可能答非所问"))
    elif places and not parts["place"]:
        out.append(Finding("no_place", f"答复未提及留言所述的地点{_quote(sorted(places))}"))
    deflection = _deflection(cp, sub)
    deflected = deflection is not None
    if deflection is not None:
        out.append(deflection)
    if not deflected:
        if kind == "complaint" and not (parts["action"] or (parts["basis"] and parts["result"])):
            out.append(Finding("no_action", "答复未说明做了什么（调查、核实、处理、整改等）"))
        answered = parts["result"] or (
            kind in ("question", "suggestion")
            and (parts["basis"] or parts["contact"] or len(sub) >= rules.answer_chars)
        )
        if not answered:
            need = "对所问问题的明确答复" if kind == "question" else "办理结果"
            out.append(Finding("no_result", f"答复未给出{need}"))
    refuses = any(
        not _CONDITIONAL.search(sub, max(0, m.start() - 3), m.start())
        for m in cp.cue["refusal"].finditer(sub)
    )
    if refuses and not parts["basis"] and not cp.cue["reason"].search(sub):
        out.append(Finding("no_basis", "答复拒绝或否定了诉求，但未说明依据（法规、政策、文件）"))
    interim = not parts["result"] and bool(cp.cue["defer"].search(sub))
    wants_contact = rules.require_contact == "always" or (
        rules.require_contact == "unresolved" and (deflected or interim)
    )
    if wants_contact and not parts["contact"]:
        pending = cp.cue["defer"].search(sub)
        why = "答复"
        if pending:
            why = f"答复称事项尚未了结（“{pending.group(0)}”），"
        elif deflected:
            why = "答复让留言人另找他处，"
        out.append(Finding("no_contact", f"{why}却未留联系电话或联系人，留言人无法跟进"))
    return out
