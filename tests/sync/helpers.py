"""Following the change feed from the tests."""
CHANGES = "/api/v1/changes"


def follow(client, since=None, headers=None, **query):
    """Read the feed from `since` until an answer has fewer changes than its limit; return (changes, cursor)."""
    seen = []
    limit = query.pop("limit", 100)
    while True:
        args = {**query, "limit": limit, **({"since": since} if since is not None else {})}
        response = client.get(CHANGES, query_string=args, headers=headers or {})
        assert response.status_code == 200, response.get_json()
        body = response.get_json()
        seen.extend(body["changes"])
        since = body["next_cursor"]
        if len(body["changes"]) < limit:
            return seen, since


def summary(changes):
    """(resource_type, resource_id, version, action) of each change."""
    return [(c["resource_type"], c["resource_id"], c["version"], c["action"]) for c in changes]
