"""The baseline: the plain flask-smorest + mongoengine CRUD app a competent developer would write in an
afternoon. Same organisation model and data on the same embedded store, no ETags, no revisions, no
permissions. bench/load.py serves it under the same gunicorn settings and compares our hot paths to it.
"""
import datetime as dt
import os

import marshmallow as ma
import mongoengine as me
import mongomock
from bson import ObjectId
from flask import Flask, abort
from flask.views import MethodView
from flask_smorest import Api, Blueprint, Page

KINDS = ("ministry", "region", "promotion_agency", "trade_association", "federation", "confederation",
         "consortium", "university", "technology_park", "chamber_of_commerce", "trade_fair", "company", "bank", "other")


class Organisation(me.Document):
    name = me.StringField(required=True, max_length=200)
    name_i18n = me.DictField()
    kind = me.StringField(required=True, choices=KINDS)
    country = me.StringField(required=True, max_length=2)
    region = me.StringField()
    city = me.StringField()
    website = me.StringField()
    sectors = me.ListField(me.StringField())
    description = me.DictField()
    contacts = me.ListField(me.DictField())
    managed_by = me.StringField()
    created_at = me.DateTimeField(default=lambda: dt.datetime.now(dt.timezone.utc))
    updated_at = me.DateTimeField(default=lambda: dt.datetime.now(dt.timezone.utc))
    meta = {"collection": "organisations", "strict": False, "indexes": ["name", "kind", "country"]}


class ContactSchema(ma.Schema):
    name = ma.fields.String(required=True)
    role = ma.fields.String()
    email = ma.fields.Email()
    phone = ma.fields.String()


class OrganisationSchema(ma.Schema):
    id = ma.fields.String(dump_only=True)
    name = ma.fields.String(required=True, validate=ma.validate.Length(max=200))
    name_i18n = ma.fields.Dict(keys=ma.fields.String(), values=ma.fields.String())
    kind = ma.fields.String(required=True, validate=ma.validate.OneOf(KINDS))
    country = ma.fields.String(required=True, validate=ma.validate.Length(equal=2))
    region = ma.fields.String()
    city = ma.fields.String()
    website = ma.fields.URL()
    sectors = ma.fields.List(ma.fields.String())
    description = ma.fields.Dict(keys=ma.fields.String(), values=ma.fields.String())
    contacts = ma.fields.List(ma.fields.Nested(ContactSchema))
    managed_by = ma.fields.String(allow_none=True)
    created_at = ma.fields.DateTime(dump_only=True)
    updated_at = ma.fields.DateTime(dump_only=True)


class OrganisationQueryArgsSchema(ma.Schema):
    kind = ma.fields.String()
    country = ma.fields.String()


class MongoPage(Page):
    @property
    def item_count(self):
        return self.collection.count()


blp = Blueprint("organisations", __name__, url_prefix="/api/v1/organisations")


def get_or_404(organisation_id):
    if not ObjectId.is_valid(organisation_id):
        abort(404)
    organisation = Organisation.objects(id=organisation_id).first()
    if organisation is None:
        abort(404)
    return organisation


@blp.route("")
class Organisations(MethodView):
    @blp.arguments(OrganisationQueryArgsSchema, location="query")
    @blp.response(200, OrganisationSchema(many=True))
    @blp.paginate(MongoPage)
    def get(self, args):
        return Organisation.objects(**args).order_by("id")

    @blp.arguments(OrganisationSchema)
    @blp.response(201, OrganisationSchema)
    def post(self, data):
        return Organisation(**data).save()


@blp.route("/<organisation_id>")
class OrganisationById(MethodView):
    @blp.response(200, OrganisationSchema)
    def get(self, organisation_id):
        return get_or_404(organisation_id)

    @blp.arguments(OrganisationSchema(partial=True))
    @blp.response(200, OrganisationSchema)
    def patch(self, data, organisation_id):
        organisation = get_or_404(organisation_id)
        for name, value in data.items():
            setattr(organisation, name, value)
        organisation.updated_at = dt.datetime.now(dt.timezone.utc)
        organisation.save()
        return organisation


def seed(documents):
    for document in documents:
        Organisation(**document).save()


def create_app():
    app = Flask(__name__)
    app.config.update(API_TITLE="baseline", API_VERSION="1", OPENAPI_VERSION="3.1.0")
    me.connect("baseline", host="mongodb://localhost", mongo_client_class=mongomock.MongoClient,
               uuidRepresentation="standard")
    Api(app).register_blueprint(blp)
    from bench.dataset import organisations_for_baseline
    seed(organisations_for_baseline(int(os.environ.get("BENCH_ORGANISATIONS", "1000"))))
    return app


app = create_app() if os.environ.get("BENCH_SERVE") == "baseline" else None
