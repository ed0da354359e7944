"""Chinese name pools for the synthetic demo district (pure: stdlib only, no Django).

The district built by :mod:`lianqin.org.demo_geometry` is shaped like the Pukou pilot, but
its communities, villages, roads and compounds are invented: the pools below combine
common place-name syllables so the demo looks plausible without pretending to be the
real register. Every function takes a ``random.Random`` so one seed gives one set of
names, and a shared ``used`` set so no two names in one district collide (addresses
built from them must resolve to exactly one place).
"""

from __future__ import annotations

import random
from collections.abc import Iterable, Iterator, Sequence
from typing import TYPE_CHECKING, NamedTuple

if TYPE_CHECKING:
    from lianqin.org.demo_geometry import DistrictPlan


def _words(text: str) -> tuple[str, ...]:
    return tuple(text.split())


class StreetSpec(NamedTuple):
    """One street of the synthetic district and where it sits."""

    name: str
    urban: bool  # mostly 社区, near the centre and the river
    seat: tuple[float, float]  # u along the SW→NE axis, v to the NW, in ellipse radii
    village_share: float  # share of its communities that are 村


STREETS = (  # v < 0 is the Yangtze side (south-east)
    StreetSpec("江浦街道", True, (-0.22, -0.55), 0.15),
    StreetSpec("顶山街道", True, (0.05, -0.25), 0.10),
    StreetSpec("泰山街道", True, (0.25, -0.65), 0.0),
    StreetSpec("沿江街道", True, (0.50, -0.55), 0.20),
    StreetSpec("盘城街道", True, (0.74, -0.25), 0.30),
    StreetSpec("桥林街道", False, (-0.66, -0.45), 0.85),
    StreetSpec("汤泉街道", False, (0.0, 0.45), 0.85),
    StreetSpec("星甸街道", False, (-0.40, 0.35), 0.85),
    StreetSpec("永宁街道", False, (0.52, 0.40), 0.85),
    StreetSpec("石桥街道", False, (-0.88, 0.15), 0.85),
)
STREET_NAMES = tuple(s.name for s in STREETS)

_URBAN_STEMS = _words(
    "文德 求雨山 凤凰 龙泉 浦园 新华 珠江 明发 点将台 高旺 柳州 天润 大桥 旭日 象山 雨山 "
    "南门 西门 东门 北门 惠民 桥北 滨江 浦珠 龙华 永新 兴浦 绿洲 桃园 康华 学府 文昌 德润 "
    "和平 建设 复兴 园林 胜利 光华 迎江 金汤 凯旋 团结 朝阳 紫荆 玉兰 丁香 海棠 银杏 梧桐 "
    "芳草 锦绣 秀水 清风 明珠 春晖 景明 同心 华侨 盛世 新城 江山 望江 临江 揽江 观澜 定山 "
    "泰西 浦东 浦西 龙山 虎山 金山 晓山 天华 浦厂 宁华 万寿 公园 健康 紫峰 沿山 城南 城北"
)
_URBAN_FIRST = "文德明华康安和兴新泰永惠锦嘉瑞福祥盛润丰怡乐春珠龙凤"
_URBAN_SECOND = "苑园华泉湖城庭景馨安平盛和福康宁兴港滨湾"

_RURAL_STEMS = _words(
    "侯冲 张圩 李营 王庄 黄岗 周营 陈洼 刘桥 徐湾 杨墩 吴店 孙岗 朱营 胡桥 高塘 马墩 何庄 "
    "石塘 青山 花旗 兰花塘 三合 四合 五里 七里 唐家 新集 西埂 北圩 南圩 老山 双塘 三桥 金牛 "
    "白马 龙洞 凤山 桂山 大营 小营 郑圩 汪庄 彭湾 邵冲 滕冲 沈庄 袁营 潘岗 蒋庄 韩圩 冯湾 "
    "曹庄 许营 山南 山北 林山 竹园 杏花 黄山 七星 九华 十里 长山 平山"
)
_SURNAMES = (
    "张王李赵刘陈杨黄周吴徐孙朱马胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘蒋蔡余杜"
    "叶程魏苏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦方白邹孟熊秦邱尹薛段雷侯史陶黎贺顾"
)
_SETTLEMENTS = "庄圩营岗洼桥湾墩店塘冲集郢埂岭坝楼"

_ROAD_STEMS = _words(
    "文德 浦珠 凤凰山 珠江 大桥 柳州 龙华 浦泗 浦乌 沿山 滨江 定山 象山 雨山 惠民 新浦 紫峰 "
    "求雨山 浦六 泰西 星火 天华 团结 园林 黄山岭 学府 南浦 公园 健康 万寿 宁华 丽岛 花旗 "
    "兰亭 明珠 江山 迎江 永新 兴浦 龙山 虎山 金山 光明 同心 振兴 城南 城北 林场 工业 科创"
)
_ROAD_SUFFIXES = ("路", "北路", "南路", "东路", "西路", "大道", "街")
_ROAD_WEIGHTS = (10, 2, 2, 2, 2, 1, 3)

_COMPOUND_FIRST = "翠碧金银锦绣华雅嘉逸悦御君澜云星月桂兰竹松柏枫樱梅荷瑞祥和泰康"
_COMPOUND_SECOND = "苑园庭湾府城岸林湖山水景轩居"
_COMPOUND_SUFFIXES = ("花园", "苑", "小区", "新村", "家园", "雅居", "华庭", "名邸")
_GROUP_PREFIXES = "前后东西南北大小上下新老"


def stem(name: str) -> str:
    """The name without its administrative suffix: 永宁街道 → 永宁, 文德社区 → 文德."""
    for suffix in ("街道", "社区", "村"):
        if name.endswith(suffix):
            return name[: -len(suffix)]
    return name


def _pairs(first: str, second: str) -> list[str]:
    return [a + b for a in first for b in second if a != b]


def _shuffled(rng: random.Random, items: Iterable[str]) -> list[str]:
    pool = sorted(set(items))
    rng.shuffle(pool)
    return pool


class NameSource:
    """Hands out community and village names, never a stem already used in the district.

    Hand-written stems come first (they read best); generated syllable pairs follow, so a
    district of any size still gets unique names. The streets' stems are reserved for the
    seat communities (江浦街道 → 江浦社区).
    """

    def __init__(self, rng: random.Random) -> None:
        self._used = {stem(name) for name in STREET_NAMES}
        self._urban = iter(
            _shuffled(rng, _URBAN_STEMS) + _shuffled(rng, _pairs(_URBAN_FIRST, _URBAN_SECOND))
        )
        self._rural = iter(
            _shuffled(rng, _RURAL_STEMS) + _shuffled(rng, _pairs(_SURNAMES, _SETTLEMENTS))
        )

    def take(self, rural: bool) -> str:
        """A fresh stem for a 村 (``rural``) or a 社区; marks it used."""
        source = self._rural if rural else self._urban
        fresh = next(s for s in source if s not in self._used)
        self._used.add(fresh)
        return fresh

    def communities(self, street: str, rural: Sequence[bool]) -> list[str]:
        """Names for a street's communities in order; its first 社区 takes the street's stem."""
        seat = next((j for j, flag in enumerate(rural) if not flag), None)
        stems = [stem(street) if j == seat else self.take(f) for j, f in enumerate(rural)]
        return [community_name(s, f) for s, f in zip(stems, rural, strict=True)]


def community_name(stem_: str, rural: bool) -> str:
    """文德 → 文德社区, 侯冲 → 侯冲村."""
    return stem_ + ("村" if rural else "社区")


def grid_name(community: str, index: int) -> str:
    """The grid's display name: 文德社区第3网格 (``index`` counts from 1)."""
    return f"{community}第{index}网格"


def street_roads(
    rng: random.Random, street_stem: str, local: Sequence[str], count: int, used: set[str]
) -> list[str]:
    """``count`` road names for one street, unique across ``used``.

    The street's own stem leads (江浦 → 江浦大道), then stems of its communities (roads are
    often named after the places they pass), then the general pool.
    """
    stems = [street_stem, *_shuffled(rng, local), *_shuffled(rng, _ROAD_STEMS)]
    roads: list[str] = []
    for index, stem_ in enumerate(stems):
        if len(roads) == count:
            break
        first = "大道" if index == 0 else rng.choices(_ROAD_SUFFIXES, _ROAD_WEIGHTS)[0]
        options = [first, *(s for s in _ROAD_SUFFIXES if s != first)]
        name = next((stem_ + s for s in options if stem_ + s not in used), None)
        if name is not None:
            used.add(name)
            roads.append(name)
    return roads


def community_compounds(rng: random.Random, rural: bool, count: int, used: set[str]) -> list[str]:
    """``count`` residential compounds (XX花园, XX苑…) or, for a village, groups (XX组)."""
    if rural:
        pool = _pairs(_GROUP_PREFIXES, _SURNAMES) + _pairs(_SURNAMES, _SETTLEMENTS)
        candidates: Iterator[str] = (s + "组" for s in _shuffled(rng, pool))
    else:
        candidates = (
            s + rng.choice(_COMPOUND_SUFFIXES)
            for s in _shuffled(rng, _pairs(_COMPOUND_FIRST, _COMPOUND_SECOND))
        )
    names: list[str] = []
    for name in candidates:
        if len(names) == count:
            break
        if name not in used:
            used.add(name)
            names.append(name)
    return names


def road_names(plan: DistrictPlan, seed: int) -> dict[str, list[str]]:
    """Per street code, 6–15 road names unique across the district (for synthetic addresses).

    Streets with more communities get more roads; the street's own 大道 comes first.
    """
    rng = random.Random(f"demo-roads:{seed}")
    used: set[str] = set()
    roads: dict[str, list[str]] = {}
    for street in plan.streets:
        local = [stem(c.name) for c in street.communities if not c.rural]
        count = max(6, min(15, 4 + len(street.communities) // 2 + rng.randint(0, 2)))
        roads[street.code] = street_roads(rng, stem(street.name), local, count, used)
    return roads


def compound_names(plan: DistrictPlan, seed: int) -> dict[str, list[str]]:
    """Per community code, 2–6 compounds (XX花园, XX苑…) or village groups (XX组), unique."""
    rng = random.Random(f"demo-compounds:{seed}")
    used: set[str] = set()
    compounds: dict[str, list[str]] = {}
    for community in plan.communities:
        count = max(2, min(6, len(community.grids) // 2 + rng.randint(0, 1)))
        compounds[community.code] = community_compounds(rng, community.rural, count, used)
    return compounds
