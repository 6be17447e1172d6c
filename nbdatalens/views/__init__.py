"""The widget classes. Imported lazily by :class:`nbdatalens.DataLens`."""
