"""Routes of /api/v1/sessions/{session_id}/releases."""
import marshmallow as ma
from flask.views import MethodView
from flask_smorest import Blueprint

from api.core import resource as core
from api.core.http import json_response
from api.core.permissions import current_identity
from api.core.routes import READ_SECURITY, load_parent, problems, register_resource
from api.core.schemas import EmptySchema
from api.releases import services
from api.releases.resource import releases
from api.releases.schemas import ReleaseDiffSchema

blp = Blueprint("releases", __name__, url_prefix="/api/v1/sessions/<session_id>/releases",
                description="Programme releases: the session, its tables, seminars and published networking "
                            "meetings frozen under a name by staff, never changed afterwards. Public like the "
                            "session's programme (a draft session's releases are staff's alone); the meetings "
                            "are shown to staff only.")
register_resource(blp, releases, "")


@blp.route("/<release_name>/diff", endpoint="release_diff")
class ReleaseDiff(MethodView):
    @blp.doc(summary="List what changed since the previous release", security=READ_SECURITY,
             operationId="readReleaseDiff",
             description="Against the session's release made just before this one (the first release: everything "
                         "is new). Items are matched by id (meetings by request_id); a table or seminar deleted "
                         "since is cancelled, as is a meeting the schedule published since no longer holds. Only "
                         "what the caller may read is compared: meetings for staff alone.")
    @blp.arguments(EmptySchema, location="query", as_kwargs=False, unknown=ma.RAISE)
    @blp.alt_response(200, schema=ReleaseDiffSchema, success=True, description="What is new, changed, cancelled.")
    @problems(blp, 404, 422)
    def get(self, args, session_id, release_name):
        identity = current_identity()
        path = {"session_id": session_id, "release_name": release_name}
        release = core.get_visible(releases, release_name, identity, parent=load_parent(releases, path))
        previous = services.previous_release(release)
        body = services.diff(core.present(releases, release, identity),
                             previous and core.present(releases, previous, identity))
        body = {"release": release["name"], "previous": previous["name"] if previous else None, **body}
        return json_response(ReleaseDiffSchema().dump(body))
