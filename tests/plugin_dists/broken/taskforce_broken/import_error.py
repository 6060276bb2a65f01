"""A plugin whose module cannot be imported: it needs a distribution that is not installed."""
import taskforce_dependency_that_is_not_installed  # noqa: F401
