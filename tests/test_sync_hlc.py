"""The hybrid logical clock: monotonic, causal, ordered as strings, skew-guarded."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from hypothesis import given
from hypothesis import strategies as st

from sync.errors import ClockSkew, SyncError
from sync.hlc import DEFAULT_MAX_SKEW_MS, MAX_COUNTER, HybridClock, Timestamp

DAY_MS = 24 * 60 * 60 * 1000
T0 = 1_750_000_000_000  # June 2025


def wall(*readings: int) -> Callable[[], int]:
    """A wall clock that reads the given values, then keeps the last."""
    values = list(readings)

    def now() -> int:
        return values.pop(0) if len(values) > 1 else values[0]

    return now


def test_ticks_increase_while_the_wall_clock_goes_backwards() -> None:
    clock = HybridClock("450981000001", wall(T0, T0 - 5_000, T0 - 5_000, T0 - 60_000, T0 + 1))
    stamps = [clock.tick() for _ in range(5)]
    assert stamps == sorted(stamps) and len(set(stamps)) == 5
    assert [(s.wall_ms, s.counter) for s in stamps] == [
        (T0, 0), (T0, 1), (T0, 2), (T0, 3), (T0 + 1, 0)
    ]


def test_a_full_counter_borrows_a_millisecond() -> None:
    clock = HybridClock("n1", wall(T0), last=Timestamp(T0, MAX_COUNTER, "n1"))
    assert clock.tick() == Timestamp(T0 + 1, 0, "n1")


def test_observe_is_later_than_the_remote_and_the_local_state() -> None:
    clock = HybridClock("a", wall(T0))
    local = clock.tick()
    remote = Timestamp(T0 + 500, 7, "b")
    merged = clock.observe(remote)
    assert merged == Timestamp(T0 + 500, 8, "a")
    assert merged > remote > local
    assert clock.tick() == Timestamp(T0 + 500, 9, "a")


def test_observe_of_an_older_stamp_keeps_local_time() -> None:
    clock = HybridClock("a", wall(T0, T0 + 10))
    clock.tick()
    assert clock.observe(Timestamp(T0 - 1_000, 42, "b")) == Timestamp(T0 + 10, 0, "a")


def test_observe_with_equal_walls_takes_the_larger_counter() -> None:
    clock = HybridClock("a", wall(T0), last=Timestamp(T0, 3, "a"))
    assert clock.observe(Timestamp(T0, 9, "b")) == Timestamp(T0, 10, "a")
    assert clock.observe(Timestamp(T0, 2, "b")) == Timestamp(T0, 11, "a")


def test_a_clock_three_days_ahead_is_not_adopted() -> None:
    clock = HybridClock("a", wall(T0))
    before = clock.tick()
    with pytest.raises(ClockSkew) as caught:
        clock.observe(Timestamp(T0 + 3 * DAY_MS, 0, "450981000009"))
    assert isinstance(caught.value, SyncError)
    assert caught.value.params == {"node": "450981000009", "skew_hours": 72.0}
    assert "450981000009" in str(caught.value) and "72.0" in str(caught.value)
    assert clock.last == before
    assert clock.tick() == Timestamp(T0, 1, "a")  # the caller stamps the event itself


def test_skew_within_the_limit_is_adopted() -> None:
    clock = HybridClock("a", wall(T0))
    assert clock.observe(Timestamp(T0 + DEFAULT_MAX_SKEW_MS, 0, "b")).wall_ms == (
        T0 + DEFAULT_MAX_SKEW_MS
    )
    strict = HybridClock("a", wall(T0), max_skew_ms=1_000)
    with pytest.raises(ClockSkew):
        strict.observe(Timestamp(T0 + 1_001, 0, "b"))


def test_a_station_with_its_own_clock_wrong_still_ticks_forward() -> None:
    clock = HybridClock("a", wall(T0 + 3 * DAY_MS, T0, T0, T0))
    stamps = [clock.tick() for _ in range(4)]
    assert stamps == sorted(stamps) and len(set(stamps)) == 4


def test_resume_from_the_persisted_last_stamp() -> None:
    first = HybridClock("a", wall(T0))
    first.tick()
    last = first.tick()
    resumed = HybridClock("a", wall(T0 - 10_000), last=last)
    assert resumed.tick() > last
    assert HybridClock("a", wall(T0)).last is None


def test_string_form_round_trips() -> None:
    stamp = Timestamp(T0, 12, "450981000001")
    assert str(stamp) == "1750000000000-0012-450981000001"
    assert Timestamp.parse(str(stamp)) == stamp


@pytest.mark.parametrize(
    "text",
    ["", "1750000000000-0012", "175000000000-0012-a", "1750000000000-012-a",
     "1750000000000-0012-", "1750000000000-0012-a b", "１７５0000000000-0012-a"],
)
def test_bad_strings_are_refused(text: str) -> None:
    with pytest.raises(ValueError):
        Timestamp.parse(text)


@pytest.mark.parametrize(
    "args", [(-1, 0, "a"), (10**13, 0, "a"), (0, -1, "a"), (0, 10**4, "a"), (0, 0, ""),
             (0, 0, "a\n"), (True, 0, "a")],
)
def test_bad_fields_are_refused(args: tuple[int, int, str]) -> None:
    with pytest.raises(ValueError):
        Timestamp(*args)


stamps = st.builds(
    Timestamp,
    st.integers(0, 10**13 - 1),
    st.integers(0, MAX_COUNTER),
    st.text(alphabet="0123456789AZaz_.:-", min_size=1, max_size=14),
)


@given(stamps, stamps)
def test_string_order_agrees_with_timestamp_order(a: Timestamp, b: Timestamp) -> None:
    assert (a < b) == (str(a) < str(b))
    assert (a == b) == (str(a) == str(b))
    assert Timestamp.parse(str(a)) == a


@given(
    st.lists(
        st.tuples(
            st.booleans(),  # observe a remote stamp, or tick
            st.integers(-DAY_MS, DAY_MS),  # local wall clock offset
            st.integers(-DAY_MS, 3 * DAY_MS),  # remote wall clock offset
            st.integers(0, MAX_COUNTER),
        ),
        max_size=40,
    )
)
def test_every_stamp_is_later_than_everything_before_it(
    steps: list[tuple[bool, int, int, int]],
) -> None:
    offset = [0]
    clock = HybridClock("a", lambda: T0 + offset[0])
    seen: list[Timestamp] = []
    for observe, local, remote_offset, counter in steps:
        offset[0] = local
        if observe:
            remote = Timestamp(T0 + remote_offset, counter, "b")
            try:
                stamp = clock.observe(remote)
            except ClockSkew:
                assert remote_offset - local > DEFAULT_MAX_SKEW_MS
                continue
            assert stamp > remote
        else:
            stamp = clock.tick()
        assert stamp.wall_ms >= T0 + local
        assert all(stamp > earlier for earlier in seen)
        seen.append(stamp)
