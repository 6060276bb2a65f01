"""Swagger UI assets served by the app itself, so the docs page works without internet."""
import swagger_ui_bundle
from flask import Blueprint

ASSETS_URL = "/api/v1/docs/assets/"

blp = Blueprint("docs_assets", __name__, static_folder=swagger_ui_bundle.swagger_ui_path,
                static_url_path=ASSETS_URL.rstrip("/"))
