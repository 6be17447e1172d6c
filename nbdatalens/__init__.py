"""nbdatalens: a data-centric ML workbench inline in Jupyter.

>>> from nbdatalens import DataLens
>>> lens = DataLens(df)
>>> lens.show()
"""

from .dynamics import TrainingDynamics
from .lens import DataLens
from .table import SampleTable

__all__ = ["DataLens", "SampleTable", "TrainingDynamics"]
__version__ = "0.1.0"
