"""@frozen answers ==, hash and repr as @dataclass(frozen=True) does, for every kind of class."""

from __future__ import annotations

import inspect
from dataclasses import FrozenInstanceError, dataclass, field

import pytest

from bundler.frozen import frozen, mutable


def kinds(decorate):  # type: ignore[no-untyped-def]
    @decorate
    class Fields:
        a: object
        b: str = "x"
        c: object = field(default=None, compare=False)
        d: tuple = field(default=(), repr=False)

    @decorate
    class One:
        a: object

    @decorate
    class Empty:
        pass

    @decorate
    class OwnEquality:
        a: object

        def __eq__(self, other: object) -> bool:
            return True

    @decorate
    class OwnHash:
        a: object

        def __hash__(self) -> int:
            return 7

    @decorate
    class Unhashable:
        a: object
        __hash__ = None  # type: ignore[assignment]

    return [Fields, One, Empty, OwnEquality, OwnHash, Unhashable]


NAN = float("nan")
ARGUMENTS = [[], [1], [1, "y"], [1, "y", 3], [1, "y", 3, (1,)], [NAN], [[1]], [(NAN, "z")]]


def answers(cls, args):  # type: ignore[no-untyped-def]
    first, second = cls(*args), cls(*args)
    try:
        hashed: object = hash(first)
    except TypeError:
        hashed = "unhashable"
    return repr(first), first == second, first == first, first != second, first.__eq__(5), hashed


@pytest.mark.parametrize("index", range(6))
def test_the_same_answers_as_the_dataclass_decorator(index: int) -> None:
    generated, ours = kinds(dataclass(frozen=True))[index], kinds(frozen)[index]
    compared = 0
    for args in ARGUMENTS:
        try:
            expected = answers(generated, args)
        except TypeError:  # not this class's arguments
            continue
        assert answers(ours, args) == expected
        compared += 1
    assert compared
    assert ours.__eq__.__qualname__ == generated.__eq__.__qualname__


def test_a_value_that_contains_itself_and_an_assignment() -> None:
    @frozen
    class Holder:
        items: list

    holder = Holder([])
    holder.items.append(holder)
    assert repr(holder) == "test_a_value_that_contains_itself_and_an_assignment.<locals>.Holder(items=[...])"
    with pytest.raises(FrozenInstanceError):
        holder.items = []  # type: ignore[misc]


def test_compared_by_identity() -> None:
    @frozen(eq=False)
    class Node:
        a: int

    node = Node(1)
    assert node == node and Node(1) != Node(1) and repr(node).endswith("Node(a=1)")


def refusals(cls):  # type: ignore[no-untyped-def]
    """What assigning and deleting answer, on the class and on a plain subclass of it."""
    class Sub(cls):  # type: ignore[misc, valid-type]
        pass

    answers = []
    for value in (cls(1), Sub(1)):
        for name in ("a", "other"):
            for change in (lambda: setattr(value, name, 2), lambda: delattr(value, name)):
                try:
                    change()
                    answers.append(("done", vars(value).get(name)))
                except (FrozenInstanceError, AttributeError) as error:
                    answers.append((type(error).__name__, str(error)))
    return answers


def test_assigning_and_deleting_answer_as_the_dataclass_decorator() -> None:
    def kind(decorate):  # type: ignore[no-untyped-def]
        @decorate
        class Value:
            a: int
            b: list = field(default_factory=list)
            c: int = field(default=3, init=False)

        return Value

    generated, ours = kind(dataclass(frozen=True)), kind(frozen)
    assert refusals(ours) == refusals(generated)
    assert (ours(1).a, ours(1).b, ours(1).c) == (1, [], 3)


def initialised(decorate):  # type: ignore[no-untyped-def]
    """Classes whose __init__ shows every rule of the decorator's: defaults, factories, fields
    without init, __post_init__, a field named self, no docstring, an __init__ of its own."""
    @decorate
    class Value:
        """A value."""

        a: int
        b: list = field(default_factory=list)
        c: int = field(default=3, init=False)
        d: dict = field(default_factory=dict, init=False)
        e: str = "e"

        def __post_init__(self) -> None:
            self.d["post"] = self.a  # type: ignore[index]

    @decorate
    class Undocumented:
        self: int
        other: str = "x"

    @decorate
    class Own:
        a: int = 0

        def __init__(self, x: int) -> None:
            object.__setattr__(self, "a", x * 2)

    return [Value, Undocumented, Own]


CALLS = [((), {}), ((1,), {}), ((1, [2]), {}), ((1, [2], "z"), {}), ((1, [2], "z", 4), {}), ((), {"a": 1}),
         ((1,), {"e": "y"}), ((1,), {"a": 2}), ((1,), {"c": 2}), ((), {"self": 5}), ((5, "o"), {}), ((7,), {"x": 1})]


def constructed(cls, args, kwargs):  # type: ignore[no-untyped-def]
    try:
        value = cls(*args, **kwargs)
    except TypeError as error:
        return "TypeError", str(error).replace("__dataclass_self__", "self")
    return {name: getattr(value, name) for name in cls.__dataclass_fields__}, vars(value)


@pytest.mark.parametrize("decorators", [(dataclass(frozen=True), frozen),
                                        (dataclass(eq=False, repr=False), mutable)])
def test_init_answers_as_the_dataclass_decorators(decorators) -> None:  # type: ignore[no-untyped-def]
    for generated, ours in zip(*(initialised(decorate) for decorate in decorators)):
        assert str(inspect.signature(ours)) == str(inspect.signature(generated))
        assert ours.__init__.__qualname__ == generated.__init__.__qualname__
        assert ours.__init__.__annotations__ == generated.__init__.__annotations__
        assert ours.__doc__ == generated.__doc__
        for args, kwargs in CALLS:
            assert constructed(ours, args, kwargs) == constructed(generated, args, kwargs), (ours, args, kwargs)
    value = initialised(decorators[1])[0]
    assert value(1).b is not value(1).b  # a new list from the factory each time


def test_the_decorators_refusals_at_definition() -> None:
    for decorate in (dataclass(frozen=True), frozen, dataclass, mutable):
        with pytest.raises(TypeError, match="non-default argument 'b' follows default argument"):
            @decorate
            class Ordered:
                a: int = 0
                b: int
        with pytest.raises(ValueError, match="mutable default"):
            @decorate
            class Shared:
                a: list = []  # noqa: RUF012
    for decorate in (frozen, mutable):
        with pytest.raises(TypeError, match="keyword-only"):
            @decorate
            class KeywordOnly:
                a: int = field(kw_only=True)
