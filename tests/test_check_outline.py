"""The trusted side reads adapter and parts modules as outlines (instructor_only/checks/outline.py): the same
constants and names as the modules themselves, without importing torch or TensorFlow."""
from __future__ import annotations

import importlib
import subprocess
import sys
import textwrap

import pytest

from instructor_only.checks import outline, remote
from instructor_only.frameworks import wire
from instructor_only.grading.course import COURSE_ROOT

MODULES = [f"{wire.ADAPTER_PACKAGE}.{framework}_{topic}" for framework in ("torch", "tensorflow")
           for topic in ("adapter", "batchnorm", "resnet")] + \
          [f"{wire.PARTS_PACKAGE}.{framework}_{topic}" for framework in ("torch", "tensorflow")
           for topic in ("batchnorm", "resnet")]


def same(value, real) -> bool:
    """A literal equals the module's value; a function or class by name names the module's own (what wire sends)."""
    if isinstance(value, (outline._Name, type)):
        return (wire.is_adapter_object(value) and wire.is_adapter_object(real)
                and (value.__module__, value.__qualname__) == (real.__module__, real.__qualname__))
    if isinstance(value, dict):
        return isinstance(real, dict) and value.keys() == real.keys() and all(same(value[k], real[k]) for k in value)
    if isinstance(value, (tuple, list)):
        return type(value) is type(real) and len(value) == len(real) and all(map(same, value, real))
    return value == real and type(value) is type(real)


@pytest.mark.parametrize("name", MODULES)
def test_an_outline_holds_what_the_module_holds(name):
    read, module = outline.Outline(name), importlib.import_module(name)
    assert read._values, f"{name}: the outline found nothing"
    for attribute, value in read._values.items():
        assert same(value, getattr(module, attribute)), attribute


def test_a_value_that_is_not_a_literal_comes_from_the_module_itself():
    read = outline.Outline(f"{wire.ADAPTER_PACKAGE}.torch_resnet")
    assert "_BN_TYPES" not in read._values  # (nn.BatchNorm2d,): not a literal
    import torch
    assert read._BN_TYPES == (torch.nn.BatchNorm2d,)
    with pytest.raises(AttributeError):
        read.NOT_DEFINED_THERE


def test_names_are_not_the_objects():
    parts = outline.Outline(f"{wire.PARTS_PACKAGE}.torch_resnet")
    with pytest.raises(outline.OutlineOnly, match="built in the kernel"):
        parts.REFERENCE_BLOCKS["basic"](4, 4)
    adapter = outline.Outline(f"{wire.ADAPTER_PACKAGE}.torch_resnet")
    with pytest.raises(outline.OutlineOnly, match="runs in the kernel"):
        adapter.make_layer(None)


def test_the_trusted_side_of_the_resnet_checks_imports_no_framework():
    """Constants, functions and reference blocks of the ResNet adapters and parts (all the ResNet checks use) come
    without torch or TensorFlow; a TRUSTED function of the batch-norm adapter imports its framework."""
    script = textwrap.dedent("""
        import sys
        from instructor_only.checks import remote
        from instructor_only.checks.remote import RemoteAdapter, InProcessLink
        for framework in ("torch", "tensorflow"):
            fw = remote.load_adapter(InProcessLink({}), framework)
            rn = fw.topic("resnet")
            values = (rn.name, rn.layout, rn.padding, rn.container, rn.counter_kind, rn.convention,
                      fw.parts("resnet").REFERENCE_BLOCKS, rn.make_layer, rn.gradients, rn.read_params)
            assert rn.make_layer.__qualname__ == "make_layer"
        assert "torch" not in sys.modules and "tensorflow" not in sys.modules, "imported a framework"
        bn = remote.load_adapter(InProcessLink({}), "torch").topic("batchnorm")
        bn.builtin_layer
        assert "torch" in sys.modules, "a TRUSTED function must come from the module itself"
        print("ok")
    """)
    done = subprocess.run([sys.executable, "-c", script], cwd=COURSE_ROOT, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0 and done.stdout.strip() == "ok", done.stderr[-2000:]


def test_the_adapter_outline_refuses_an_unknown_framework():
    with pytest.raises(ValueError, match="unknown framework"):
        remote.adapter_outline("jax")
