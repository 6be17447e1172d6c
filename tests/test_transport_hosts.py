"""Binary traits read back in every form a widget host may re-encode them to.

ipywidgets hands the kernel a ``memoryview``; marimo JSON-encodes a ``Uint8Array``
as a dict of index -> byte; other hosts send lists or base64. Each form must give
the same selection, and anything else must fail loudly, naming the trait.
"""

from __future__ import annotations

import base64

import numpy as np
import pytest

from nbdatalens import DataLens
from nbdatalens.transport import bytes_from_wire, decode_selection, encode_selection

N_ROWS = 100
POSITIONS = [3, 17, 64]
ENCODED = encode_selection(np.array(POSITIONS), N_ROWS)

FORMS = {
    "bytes": ENCODED,
    "bytearray": bytearray(ENCODED),
    "memoryview": memoryview(ENCODED),
    "numpy": np.frombuffer(ENCODED, dtype=np.uint8),
    "dict of index -> byte (marimo's Uint8Array)": {str(i): b for i, b in enumerate(ENCODED)},
    "dict with int keys": dict(enumerate(ENCODED)),
    "list of ints": list(ENCODED),
    "base64 string": base64.b64encode(ENCODED).decode(),
}


@pytest.mark.parametrize("form", FORMS)
def test_every_host_form_decodes_to_the_same_selection(form):
    assert bytes_from_wire(FORMS[form]) == ENCODED
    assert decode_selection(FORMS[form], N_ROWS).tolist() == POSITIONS


def test_empty_forms_are_nothing_selected():
    for empty in (None, b"", {}, [], ""):
        assert decode_selection(empty, N_ROWS).tolist() == []


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ({"0": 1, "2": 3}, "keys 0..1 exactly"),
        ({"a": 1}, "integer keys"),
        ([1, 256], "item 1 of the byte list is 256"),
        ([1, "x"], "item 1 of the byte list is str"),
        ({"0": 1.5}, "item 0 of the byte list is float"),
        ("not base64!", "not valid base64"),
        (3.5, "got float"),
    ],
)
def test_malformed_forms_raise_naming_the_trait(value, message):
    with pytest.raises((TypeError, ValueError), match="selection") as info:
        bytes_from_wire(value, name="selection")
    assert message in str(info.value)


@pytest.mark.parametrize("form", FORMS)
def test_a_page_selection_in_any_form_reaches_lens_selected(form):
    """What the kernel does with a state update from the page (ipywidgets' set_state)."""
    rng = np.random.default_rng(0)
    import pandas as pd

    df = pd.DataFrame(
        {
            "label": rng.integers(0, 3, N_ROWS),
            "prediction": rng.integers(0, 3, N_ROWS),
        },
        index=[f"s{i}" for i in range(N_ROWS)],
    )
    lens = DataLens(df, projection="pca")
    model = lens.confusion_matrix().table
    model.set_state({"selection": FORMS[form]})
    assert lens.selected.tolist() == [f"s{i}" for i in POSITIONS]


def test_a_malformed_page_selection_raises_instead_of_failing_silently():
    import pandas as pd

    df = pd.DataFrame({"label": [0, 1], "prediction": [0, 1]})
    lens = DataLens(df, projection="pca")
    model = lens.confusion_matrix().table
    with pytest.raises(TypeError, match="selection: expected bytes"):
        model.set_state({"selection": 7.0})
    assert len(lens.selected) == 0


def test_a_selection_reaching_the_dashboard_first_is_lens_selected_at_once():
    """marimo re-runs the cells reading the dashboard on its update, which may come before
    the table model's: the dashboard applies it, so those cells read the new selection."""
    import pandas as pd

    from nbdatalens.views.dashboard import Dashboard

    df = pd.DataFrame(
        {"label": np.arange(N_ROWS) % 3, "prediction": np.arange(N_ROWS) % 2},
        index=[f"s{i}" for i in range(N_ROWS)],
    )
    lens = DataLens(df, projection="pca")
    dash = Dashboard(lens.views(), gallery=lens.gallery(), selected=lambda: lens.selected)
    dash.set_state({"selection": FORMS["dict of index -> byte (marimo's Uint8Array)"]})
    assert dash.selected.tolist() == [f"s{i}" for i in POSITIONS]
    lens.select(["s5"])  # and Python's selections reach the dashboard's own trait
    assert dash.selection == lens.model.selection
