"""People get a role and a scope that fits it; a bad one is refused with a hint."""

import pytest

from lianqin.cases.access import actor_for
from lianqin.errors import InvalidInput
from lianqin.org.people import create_person


def test_grid_worker_patrols_several_grids(world):
    codes = f"{world.grids[0].code},{world.grids[1].code}"
    person, _ = create_person("gw_new", None, role="grid_worker", scope=codes)
    actor = actor_for(person)
    assert actor.grid_codes == {world.grids[0].code, world.grids[1].code}
    assert person.scope_code == world.communities[0].code and actor.level == "grid"


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"role": "grid_worker", "scope": "320111001"}, "scope"),
        ({"role": "grid_worker", "scope": "320111001001999"}, "scope"),
        ({"role": "dispatcher", "scope": "12"}, "scope"),
        ({"role": "dispatcher", "scope": "320111009"}, "scope"),
        ({"role": "dispatcher"}, "scope"),
        ({"role": "unit_handler", "unit": "nope"}, "unit"),
        ({"role": "mayor", "scope": "320111"}, "role"),
    ],
)
def test_bad_scope_is_refused(world, kwargs, field):
    with pytest.raises(InvalidInput) as info:
        create_person("someone", None, **kwargs)
    assert info.value.field == field and info.value.hint


def test_weak_password_is_refused(world):
    with pytest.raises(InvalidInput) as info:
        create_person("weak", "12345678", role="dispatcher", scope=world.district.code)
    assert info.value.field == "password"
