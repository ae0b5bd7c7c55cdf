"""Sphinx configuration of fastpen's documentation site.

Build: ``make -C docs html`` (or ``sphinx-build -W --keep-going -b html docs
docs/_build/html``).  Every gallery example under ``examples/`` is executed by
sphinx-gallery during the build; ``make -C docs html-noplot`` skips that.
"""
import os
import warnings
from importlib.metadata import version as _installed_version

os.environ.setdefault("MPLBACKEND", "Agg")

project = "fastpen"
author = "the fastpen developers"
copyright = "2026, the fastpen developers"
release = _installed_version("fastpen")
version = ".".join(release.split(".")[:2])

extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "sphinx.ext.mathjax",
    "numpydoc",
    "sphinx_gallery.gen_gallery",
    "myst_parser",
    "sphinx_copybutton",
    "matplotlib.sphinxext.plot_directive",
]

source_suffix = {".rst": "restructuredtext", ".md": "markdown"}
root_doc = "index"
templates_path = ["_templates"]
exclude_patterns = ["_build", "**/*.ipynb", "auto_examples/*.py", "auto_examples/*.zip",
                    "auto_examples/*.md5", "auto_examples/*.pickle"]
default_role = "code"
nitpicky = False

# -- API reference -----------------------------------------------------------------
autosummary_generate = True
autodoc_default_options = {"members": True, "inherited-members": False}
autodoc_typehints = "none"
numpydoc_show_class_members = False
numpydoc_class_members_toctree = False
numpydoc_xref_param_type = False

# Private keyword arguments (a leading underscore: internal plumbing between fastpen's
# own modules) are left out of the signatures the reference shows.
def _hide_private_parameters(app, what, name, obj, options, signature, return_annotation):
    if not signature:
        return None
    import inspect

    try:
        sig = inspect.signature(obj)
    except (TypeError, ValueError):
        return None
    public = [p for p in sig.parameters.values()
              if not p.name.startswith("_") and p.name != "self"]
    if len(public) == len([p for p in sig.parameters.values() if p.name != "self"]):
        return None
    text = str(sig.replace(parameters=public, return_annotation=inspect.Signature.empty))
    return text, return_annotation


def setup(app):
    app.connect("autodoc-process-signature", _hide_private_parameters)


# -- Figures drawn by code in the pages (.. plot::) ---------------------------------
plot_include_source = True
plot_html_show_source_link = False
plot_html_show_formats = False
plot_formats = [("png", 110)]
plot_rcparams = {"figure.figsize": (6.4, 3.6), "font.size": 10}
plot_pre_code = "import numpy as np\nimport matplotlib.pyplot as plt\nimport fastpen\n"

# -- Markdown pages (docs/engine.md, reliability.md, wheels.md) --------------------
myst_enable_extensions = ["dollarmath"]
myst_heading_anchors = 3

# -- Gallery -----------------------------------------------------------------------
sphinx_gallery_conf = {
    "examples_dirs": "../examples",
    "gallery_dirs": "auto_examples",
    "filename_pattern": r"/plot_",
    # a failing example fails the build (CI runs it with warnings as errors)
    "abort_on_example_error": True,
    "only_warn_on_example_error": False,
    "within_subsection_order": "FileNameSortKey",
    "download_all_examples": False,
    "remove_config_comments": True,
    "show_memory": False,
    "min_reported_time": 0,
    "doc_module": ("fastpen",),
    "backreferences_dir": "generated/backreferences",
    "reference_url": {"fastpen": None},
}

# -- HTML ---------------------------------------------------------------------------
html_theme = "pydata_sphinx_theme"
html_title = f"fastpen {release}"
html_static_path = ["_static"]
html_css_files = ["fastpen.css"]
html_theme_options = {
    "navigation_with_keys": False,
    "show_toc_level": 2,
    "header_links_before_dropdown": 6,
    "secondary_sidebar_items": ["page-toc"],
}
html_show_sourcelink = False
# MathJax from its usual CDN for the published site; FASTPEN_DOCS_MATHJAX points a
# local build at a copy on disk (a machine without network, e.g. for screenshots).
if os.environ.get("FASTPEN_DOCS_MATHJAX"):
    mathjax_path = os.environ["FASTPEN_DOCS_MATHJAX"]

# matplotlib's Agg backend warns about nothing a reader needs; other warnings raised
# while examples run stay visible (and fail the build with -W)
warnings.filterwarnings("ignore", message="Matplotlib is currently using agg")
