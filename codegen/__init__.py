"""The flyteclient generator: flyteidl service descriptors -> Python client.

Stages, one module each:

1. :mod:`codegen.load`    -- import flyteidl's service modules, get their descriptors.
2. :mod:`codegen.schema`  -- wrap descriptors and ``surface.toml`` in small frozen
                             objects that carry every fact the templates need.
3. :mod:`codegen.render`  -- render ``templates/`` with Jinja (StrictUndefined).
4. :mod:`codegen.format`  -- format Python output with black, in-process.
5. :mod:`codegen.output`  -- write the tree atomically, or compare it (``--check``).

Stage 1 reads the installed flyteidl, or a descriptor set / ``.proto`` tree through
:mod:`codegen.idl`. Alongside the Python modules, :mod:`codegen.manifest` writes the API
manifest (:mod:`codegen.wire`: every message and enum the RPCs reach) that
``python -m codegen diff`` compares (:mod:`codegen.diff`, rules in :mod:`codegen.rules`).

Run it as ``python -m codegen``.
"""
