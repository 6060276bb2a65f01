"""Plugins depend on one module of the core, `api.plugin_api`: the built-in ones, the test ones and the guide's."""
import ast
import re
from pathlib import Path

import pytest

import api.plugin_api

ROOT = Path(__file__).resolve().parent.parent
PUBLIC = "api.plugin_api"
PLUGIN_MODULES = sorted([*(ROOT / "plugins").rglob("*.py"), *(ROOT / "tests" / "plugin_dists").rglob("*.py")])
GUIDE = ROOT / "docs" / "plugins.md"


def api_imports(tree):
    """Yield (module, names) for every import of `api` or one of its modules."""
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name == "api" or alias.name.startswith("api."):
                    yield alias.name, ()
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names = tuple(alias.name for alias in node.names)
            if node.module == "api":
                # `from api import plugin_api` imports a module of the package, like `import api.plugin_api`.
                for name in names:
                    yield f"api.{name}", ()
            elif node.module.startswith("api."):
                yield node.module, names


@pytest.mark.parametrize("path", PLUGIN_MODULES, ids=lambda p: str(p.relative_to(ROOT)))
def test_a_plugin_module_imports_only_the_public_module_of_the_core(path):
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))

    assert [module for module, _ in api_imports(tree) if module != PUBLIC] == []


@pytest.mark.parametrize("path", PLUGIN_MODULES, ids=lambda p: str(p.relative_to(ROOT)))
def test_a_plugin_module_imports_only_names_the_public_module_exports(path):
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    imported = {name for module, names in api_imports(tree) if module == PUBLIC for name in names}

    assert imported - set(api.plugin_api.__all__) == set()


def test_the_boundary_check_sees_an_internal_import():
    tree = ast.parse("from api.core.fields import Text\nimport api.hookspecs\nfrom api import errors\n")

    assert [module for module, _ in api_imports(tree)] == ["api.core.fields", "api.hookspecs", "api.errors"]


def test_every_exported_name_exists():
    assert [name for name in api.plugin_api.__all__ if not hasattr(api.plugin_api, name)] == []


def test_the_guide_imports_only_the_public_module():
    blocks = re.findall(r"```python\n(.*?)```", GUIDE.read_text(encoding="utf-8"), flags=re.S)
    imports = [line.strip() for block in blocks for line in block.splitlines()
               if re.match(r"\s*(from|import)\s+api\b", line)]

    assert imports, "the guide shows no import from the core"
    assert [line for line in imports if not line.startswith(f"from {PUBLIC} import ")] == []
