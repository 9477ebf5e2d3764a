"""Flask extensions, created unbound and initialised in create_app()."""
from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from flask_babel import Babel
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf.csrf import CSRFProtect
from sqlalchemy import MetaData, Table
from sqlalchemy.orm import DeclarativeBase

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    if TYPE_CHECKING:
        # Every model declares __tablename__ (no __table__ of another kind), so it maps a Table.
        __table__: ClassVar[Table]


db = SQLAlchemy(model_class=Base)

# The base class of NQ's models. db.Model is made when the extension is created, so mypy
# cannot see it as a class; to mypy it is our DeclarativeBase, which it is built from.
if TYPE_CHECKING:
    Model = Base
else:
    Model = db.Model
migrate = Migrate()
login_manager = LoginManager()
csrf = CSRFProtect()


class ViewLimiter(Limiter):
    """Flask-Limiter for limits declared on views.

    NQ sets no default, application or blueprint limits: each limit is a
    ``@limiter.limit`` on its view, checked when the view is called. The
    extension also looks for the other kinds before every request; with none
    set it can find nothing, so that look is skipped (it costs more than a
    page's query).
    """

    def _check_request_limit(self, callable_name: str | None = None, in_middleware: bool = True) -> None:
        manager = self.limit_manager
        if in_middleware and not (manager.default_limits or manager.application_limits or manager._blueprint_limits):
            return
        super()._check_request_limit(callable_name=callable_name, in_middleware=in_middleware)


limiter = ViewLimiter(key_func=get_remote_address, default_limits=[])
babel = Babel()
