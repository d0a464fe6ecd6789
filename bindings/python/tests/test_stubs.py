"""The type stubs (.pyi) describe the modules as they are: every name a stub declares exists,
and the Python functions take the parameters the stubs give them."""

import ast
import importlib
import inspect
import os

import pytest

import outpost

PACKAGE_DIR = os.path.dirname(outpost.__file__)
MODULES = ["session", "lite", "pipeline", "bundle", "agent", "_outpost"]


def declared(module_name):
    with open(os.path.join(PACKAGE_DIR, module_name + ".pyi")) as f:
        tree = ast.parse(f.read())
    for node in tree.body:
        if isinstance(node, ast.FunctionDef):
            yield node.name, node, None
        elif isinstance(node, ast.ClassDef):
            yield node.name, node, None
            for member in node.body:
                if isinstance(member, ast.FunctionDef):
                    yield member.name, member, node.name


def parameters(function):
    args = function.args
    return [a.arg for a in args.posonlyargs + args.args + args.kwonlyargs]


@pytest.mark.parametrize("module_name", MODULES)
def test_every_stub_matches_its_module(module_name):
    module = importlib.import_module("outpost." + module_name)
    for name, node, owner in declared(module_name):
        if module_name == "_outpost" and name in ("generate_keys", "pack_bundle", "verify_bundle",
                                                  "open_trusted", "PipelineRun") \
                and not hasattr(module, name):
            continue  # a build without bundles or vision
        scope = getattr(module, owner) if owner else module
        assert hasattr(scope, name), f"{module_name}.pyi declares {owner or ''}.{name}"
        runtime = getattr(scope, name)
        if isinstance(node, ast.FunctionDef) and inspect.isfunction(runtime):
            actual = list(inspect.signature(runtime).parameters)
            expected = [p for p in parameters(node)]
            if node.args.kwarg:
                expected.append(node.args.kwarg.arg)
            if node.args.vararg:
                expected.insert(len(node.args.posonlyargs + node.args.args), node.args.vararg.arg)
            assert actual == expected, f"{module_name}.{owner or ''}.{name}: {actual} != {expected}"
