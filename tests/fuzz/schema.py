"""The fuzzed API: the OpenAPI document a test app serves, loaded with the run's settings."""
import schemathesis

from api import create_app
from api.demo import load_demo
from tests.conftest import TEST_CONFIG
from tests.fuzz.settings import CONFIG

def document_app():
    """A test app with the demo data, whose served /api/v1/openapi.json is the document under test."""
    app = create_app(TEST_CONFIG)
    with app.app_context():
        load_demo()
    return app


schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", document_app(),
                                        config=schemathesis.Config.from_dict(CONFIG))

# The Realism (tests.fuzz.realistic) of the running test: the world and the caller it repairs cases for.
ACTIVE = {"realism": None}


@schemathesis.hook
def before_call(context, case, kwargs):
    """Make the valid parts of each case realistic against the current store, right before it is sent."""
    realism = ACTIVE["realism"]
    if realism is not None:
        realism.prepare(case)
