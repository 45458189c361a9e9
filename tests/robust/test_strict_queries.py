"""List endpoints refuse a query they cannot honour (issue 14, item 14): ``page_size=null`` or
an empty filter used to answer 200 with every row, as if the client had asked for them."""

import pytest

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "url,parameter",
    [
        ("/api/v1/orders/?page_size=null", "page_size"),
        ("/api/v1/orders/?page_size=0", "page_size"),
        ("/api/v1/orders/?page_size=-1", "page_size"),
        ("/api/v1/orders/?page_size=501", "page_size"),
        ("/api/v1/movements/?page_size=abc", "page_size"),
        ("/api/v1/orders/?ship_by_before=", "ship_by_before"),
        ("/api/v1/orders/?status=", "status"),
        ("/api/v1/stock-levels/?on_hand_gt=", "on_hand_gt"),
        ("/api/v1/movements/?kind=", "kind"),
        ("/api/v1/orders/?is_short=null", "is_short"),
        ("/api/v1/orders/?is_short=maybe", "is_short"),
    ],
)
def test_a_query_value_that_cannot_be_honoured_is_a_400_naming_it(api, url, parameter):
    response = api.get(url)
    assert response.status_code == 400, response.content
    body = response.json()
    assert body["code"] == "invalid"
    assert list(body["details"]) == [parameter]


@pytest.mark.parametrize("size", ["1", "500"])
def test_page_sizes_in_range_are_used(api, size):
    response = api.get(f"/api/v1/orders/?page_size={size}")
    assert response.status_code == 200


def test_the_schema_states_the_page_size_range():
    from drf_spectacular.generators import SchemaGenerator

    schema = SchemaGenerator().get_schema(request=None, public=True)
    parameters = schema["paths"]["/api/v1/orders/"]["get"]["parameters"]
    page_size = next(p for p in parameters if p["name"] == "page_size")
    assert (page_size["schema"]["minimum"], page_size["schema"]["maximum"]) == (1, 500)


def test_a_closed_request_body_schema_forbids_unknown_fields():
    from drf_spectacular.generators import SchemaGenerator

    schema = SchemaGenerator().get_schema(request=None, public=True)
    receive = schema["components"]["schemas"]["TransferReceiveInput"]
    assert receive["additionalProperties"] is False


@pytest.mark.parametrize(
    "body",
    [
        '{"barcode": "\\ud800"}',  # a lone surrogate as a value
        '{"\\udfff": 1}',  # and as a key
    ],
)
def test_json_with_a_lone_surrogate_is_a_400(api, body):
    response = api.post("/api/v1/receipts/", data=body, content_type="application/json")
    assert response.status_code == 400
    assert response.json()["code"] == "parse_error"
