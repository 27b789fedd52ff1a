"""商品标题 search on PostgreSQL (several PCs): the migrations run there, the titles are read with ILIKE."""
import pytest

from dropship.db import db
from dropship.services.orders import titles
from tests import shared_services
from tests.helpers import make_app
from tests.orders_factory import make_order, make_shop
from tests.unit.test_order_titles import found


@pytest.fixture(scope="module")
def postgres_app(tmp_path_factory):
    shared_services.require(redis=False)
    with shared_services.postgres() as url:
        yield make_app(tmp_path_factory.mktemp("pg") / "data", database_url=url)


@pytest.mark.usefixtures("postgres_app")
def test_postgresql_migrates_and_searches_titles_with_ilike():
    with db.connection_context(), db.atomic() as transaction:
        assert not titles.indexed()
        shop = make_shop()
        make_order(shop, titles=("Bamboo 收纳盒",), tid="1")
        assert found("bamboo") == {"1"} and found("盒") == {"1"} and found("保温杯") == set()
        transaction.rollback()
