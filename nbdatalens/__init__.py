"""nbdatalens: a data-centric ML workbench inline in Jupyter.

>>> from nbdatalens import DataLens
>>> lens = DataLens(df)
>>> lens.show()
"""

from .dynamics import TrainingDynamics
from .label_studio import label_studio_config, read_label_studio
from .lens import DataLens
from .table import SampleTable

__all__ = [
    "DataLens",
    "SampleTable",
    "TrainingDynamics",
    "label_studio_config",
    "read_label_studio",
]
__version__ = "0.1.0"
