"""商品标题 search on PostgreSQL (several PCs): the migrations run there, the titles are read with ILIKE
through pg_trgm's GIN index (m0027)."""
import pytest

from dropship.db import db
from dropship.models import Order
from dropship.services.orders import titles
from dropship.services.orders.titles import title_condition
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
        assert titles.indexed()
        shop = make_shop()
        make_order(shop, titles=("Bamboo 收纳盒",), tid="1")
        assert found("bamboo") == {"1"} and found("盒") == {"1"} and found("保温杯") == set()
        transaction.rollback()


@pytest.mark.usefixtures("postgres_app")
def test_postgresql_searches_titles_through_the_trigram_index():
    with db.connection_context(), db.atomic() as transaction:
        make_order(make_shop(), titles=("不锈钢保温杯 500ML",), tid="1")
        assert found("保温杯") == {"1"} and found("500ml") == {"1"}
        db.execute_sql("SET LOCAL enable_seqscan = off")  # on a few rows reading the table is rightly cheaper
        sql, params = Order.select(Order.id).where(title_condition("保温杯")).sql()
        plan = " ".join(row[0] for row in db.execute_sql("EXPLAIN " + sql, params))
        assert titles.TRGM_INDEX in plan
        short = Order.select(Order.id).where(title_condition("保温")).sql()[0]
        assert "LIMIT" in short  # below a trigram: the newest orders only, as on SQLite
        transaction.rollback()
