"""The plain-data codec: the only way values travel from a student's code to the grader."""

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from hardway import plaindata
from hardway.plaindata import Opaque, PlainDataError

scalars = st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20)
values = st.recursive(
    scalars,
    lambda inner: st.lists(inner, max_size=4) | st.tuples(inner, inner)
    | st.dictionaries(st.text(max_size=5), inner, max_size=3),
    max_leaves=12,
)


@given(values)
def test_plain_values_survive_the_round_trip_with_their_exact_types(value):
    back = plaindata.round_trip(value)
    assert back == value
    assert type(back) is type(value)


@given(hnp.arrays(dtype=st.sampled_from([np.float64, np.float32, np.int64, np.bool_]),
                  shape=hnp.array_shapes(min_dims=0, max_dims=3, max_side=4)))
def test_numeric_arrays_keep_dtype_shape_and_every_bit(array):
    back = plaindata.round_trip(array)
    assert type(back) is np.ndarray and back.dtype == array.dtype and back.shape == array.shape
    assert back.tobytes() == array.tobytes()


def test_special_floats_and_numpy_scalars_survive():
    back = plaindata.round_trip((math.inf, -math.inf, np.float64(2.5), np.int32(7)))
    assert back[0] == math.inf and back[1] == -math.inf
    assert type(back[2]) is np.float64 and back[2] == 2.5 and type(back[3]) is np.int32
    assert math.isnan(plaindata.round_trip(math.nan))


def test_a_float_whose_eq_lies_is_described_not_trusted():
    class Liar(float):
        def __eq__(self, other):
            return True

    back = plaindata.round_trip(Liar(3.0))
    assert isinstance(back, Opaque) and back.type_name == "Liar"
    assert back != 4.0


def test_objects_travel_as_a_description_even_when_repr_raises():
    class Broken:
        def __repr__(self):
            raise RuntimeError("no")

    back = plaindata.round_trip([Broken(), object()])
    assert [item.type_name for item in back] == ["Broken", "object"]
    assert "repr raised RuntimeError" in back[0].text


@pytest.mark.parametrize("payload", [
    '{"__pickle__": "gASV"}',
    '{"__ndarray__": {"dtype": "|O", "shape": [1], "data": ""}}',
    '{"__ndarray__": {"dtype": "<f8", "shape": [3], "data": "AAAA"}}',
    '{"a": 1, "b": 2}',
    'not json',
])
def test_anything_else_is_refused(payload):
    with pytest.raises(PlainDataError):
        plaindata.loads(payload)


def test_torch_tensors_travel_as_records_of_data_and_autograd_flags():
    import torch

    from hardway.plaindata import TensorRecord

    leaf = torch.tensor([1.0, 2.0], requires_grad=True)
    record = plaindata.round_trip((leaf, leaf * 2, torch.zeros(2, dtype=torch.float64)))
    assert all(type(item) is TensorRecord for item in record)
    assert record[0].requires_grad and record[0].is_leaf and not record[0].has_grad_fn
    assert record[1].has_grad_fn and not record[1].is_leaf
    assert record[2].dtype == "float64" and record[2].device == "cpu" and record[2].data.tolist() == [0.0, 0.0]


def test_a_meta_tensor_has_no_data_and_travels_as_a_description():
    import torch

    back = plaindata.round_trip(torch.zeros(2, 3, device="meta"))
    assert isinstance(back, Opaque) and back.type_name == "Tensor" and "meta" in back.text
