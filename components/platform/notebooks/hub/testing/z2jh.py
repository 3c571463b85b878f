"""The z2jh chart's `z2jh` helper module (jupyterhub/files/hub/z2jh.py at 4.4.0), for hubs run by the tests:
values come from the JSON file $DATAVIS_HUB_VALUES (the plan's values merged onto the chart defaults) and
the chart Secret's generated values from $DATAVIS_HUB_SECRETS, instead of the files the chart mounts."""

import json
import os
from collections.abc import Mapping
from functools import lru_cache


@lru_cache
def _values():
    return json.loads(open(os.environ["DATAVIS_HUB_VALUES"]).read())


@lru_cache
def _secrets():
    path = os.environ.get("DATAVIS_HUB_SECRETS")
    return json.loads(open(path).read()) if path else {}


def get_config(key, default=None):
    """Find a config item of a given name & return it (dotted path), like z2jh.get_config."""
    value = _values()
    for level in key.split("."):
        if not isinstance(value, Mapping) or level not in value:
            return default
        value = value[level]
    # z2jh returns a deep copy so config code can modify it; json round-trip does the same.
    return json.loads(json.dumps(value))


def get_secret_value(key, default="never-explicitly-set"):
    """The chart Secret's value for `key` (z2jh generates service tokens when the values leave them unset)."""
    secrets = _secrets()
    if key in secrets:
        return secrets[key]
    if default != "never-explicitly-set":
        return default
    raise KeyError(f"Secret value not found: {key}")


def set_config_if_not_none(cparent, name, key):
    """Sets a trait on a traitlets config object if the key exists in the values and is not None."""
    data = get_config(key)
    if data is not None:
        setattr(cparent, name, data)
