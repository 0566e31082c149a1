"""The REST API as Python calls, with errors sorted into transient, permanent and sign-in-needed."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import TypeVar

import requests
from pydantic import BaseModel, TypeAdapter, ValidationError

from casedesktop import __version__
from casedesktop.api import (
    API_PREFIX,
    CHANGES_WAIT_HEADER,
    AccountOut,
    ActionRequest,
    AskCustomerRequest,
    AssignRequest,
    CaseCreate,
    CaseOut,
    CategoryOut,
    ChangesPage,
    CommentCreate,
    CommentOut,
    ErrorCode,
    ErrorOut,
    Health,
    LimitsOut,
    LoginRequest,
    LoginResponse,
    ProductOut,
    StaffSummaryOut,
    TriageRequest,
    UserOut,
)
from casedesktop.api.push import PUSH_PATH, PushRequest, PushResponse
from casedesktop.api.releases import CLIENT_RELEASE_PATH, ClientReleaseOut
from casedesktop.i18n import _, ngettext

Model = TypeVar("Model", bound=BaseModel)
TIMEOUT = (5, 30)  # connect, read (seconds)
# Feed entries per page: the most every server version answers (its feed's MAX_LIMIT). Each page
# is stored in one transaction, and half as many pages took a first sync of 40,000 entries 10 %
# less time and 13 % less CPU than pages of 500 (fewer requests, fewer commits, each of which
# writes the indexes' hot pages again).
FEED_PAGE = 1000
_CODE_BY_STATUS = {
    401: ErrorCode.UNAUTHORIZED,
    403: ErrorCode.FORBIDDEN,
    404: ErrorCode.NOT_FOUND,
    409: ErrorCode.CONFLICT,
    413: ErrorCode.TOO_LARGE,
    422: ErrorCode.VALIDATION,
}


class SyncError(Exception):
    """Base of everything the sync layer raises about the server."""


class TransientError(SyncError):
    """Worth retrying later: no network, a timeout, 5xx, 429."""

    def __init__(self, message: str, retry_after: float | None = None):
        super().__init__(message)
        self.retry_after = retry_after


class Unreachable(TransientError):
    """No answer at all: we are offline, or the server is down."""


class AuthRequired(SyncError):
    """The server does not accept our token (or we have none): the user must sign in again."""


class Rejected(SyncError):
    """The server refused the request for good (4xx); its reason is shown to the user."""

    def __init__(self, status: int, error: ErrorOut):
        super().__init__(error.message)
        self.status = status
        self.error = error


def _retry_after(response: requests.Response) -> float | None:
    value = response.headers.get("Retry-After")
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        try:
            return max(0.0, (parsedate_to_datetime(value) - datetime.now(UTC)).total_seconds())
        except (TypeError, ValueError):
            return None


def _read(model: type[Model], response: requests.Response) -> Model:
    """The answer's body as `model`; a TransientError when this version cannot read it."""
    try:
        return model.model_validate_json(response.content)
    except ValidationError as exc:
        raise TransientError(ngettext("The server sent an answer this version cannot read ({count} error).",
                                      "The server sent an answer this version cannot read ({count} errors).",
                                      exc.error_count()).format(count=exc.error_count())) from exc


class ApiClient:
    """One server, one token, one requests.Session: make one per thread that talks to the network."""

    def __init__(self, base_url: str, token: str | None = None):
        self.base_url = base_url.rstrip("/")
        self.token = token
        self.timeout = TIMEOUT
        self.session = requests.Session()
        self.session.headers["User-Agent"] = f"CaseDesktop/{__version__}"

    def close(self) -> None:
        self.session.close()

    def _request(self, method: str, path: str, model: type[Model], body: BaseModel | None = None, **params) -> Model:  # noqa: ANN003
        response = self.http(
            method,
            path,
            data=body.model_dump_json() if body is not None else None,
            headers={"Content-Type": "application/json"} if body is not None else None,
            params=params or None,
        )
        return _read(model, response)

    def http(
        self,
        method: str,
        path: str,
        *,
        data: bytes | str | None = None,
        headers: dict[str, str] | None = None,
        params: dict[str, object] | None = None,
        stream: bool = False,
    ) -> requests.Response:
        """One request, its failure sorted: Unreachable (no answer, a cut connection, a timeout),
        TransientError (408, 429, 5xx, with Retry-After), AuthRequired (401), Rejected (other 4xx).

        `path` is under the API prefix: the token never goes to another address.
        """
        url = f"{self.base_url}{API_PREFIX}{path}"
        sent = {"Authorization": f"Bearer {self.token}"} if self.token else {}
        try:
            response = self.session.request(
                method, url, data=data, headers={**sent, **(headers or {})}, params=params,
                timeout=self.timeout, stream=stream,
            )
        except requests.Timeout as exc:
            raise Unreachable(_("The server at {server} did not answer in time.").format(server=self.base_url)) from exc
        except requests.ConnectionError as exc:
            raise Unreachable(_("Cannot reach the server at {server}.").format(server=self.base_url)) from exc
        except requests.RequestException as exc:  # a body cut off mid-way, a garbled answer
            raise Unreachable(_("The connection to {server} broke off ({error}).").format(
                server=self.base_url, error=type(exc).__name__)) from exc
        status = response.status_code
        if status in (408, 429) or status >= 500:
            response.close()
            raise TransientError(
                _("The server is busy or failing (HTTP {status}); will retry.").format(status=status),
                _retry_after(response),
            )
        if status == 401:
            raise AuthRequired(self._error(response).message)
        if status >= 400:
            raise Rejected(status, self._error(response))
        return response

    @staticmethod
    def _error(response: requests.Response) -> ErrorOut:
        try:
            return ErrorOut.model_validate_json(response.content)
        except ValidationError:
            code = _CODE_BY_STATUS.get(response.status_code, ErrorCode.CONFLICT)
            return ErrorOut(code=code, message=_("The server refused the request (HTTP {status}).").format(
                status=response.status_code))

    def health(self) -> Health:
        return self._request("GET", "/health", Health)

    def login(self, email: str, password: str) -> LoginResponse:
        answer = self._request("POST", "/auth/login", LoginResponse, LoginRequest(email=email, password=password))
        self.token = answer.token
        return answer

    def me(self) -> UserOut:
        return self._request("GET", "/me", UserOut)

    def create_case(self, request: CaseCreate) -> CaseOut:
        return self._request("POST", "/cases", CaseOut, request)

    def add_comment(self, case_id: str | uuid.UUID, request: CommentCreate) -> CommentOut:
        return self._request("POST", f"/cases/{case_id}/comments", CommentOut, request)

    def take_action(self, case_id: str | uuid.UUID, request: ActionRequest) -> CaseOut:
        return self._request("POST", f"/cases/{case_id}/actions", CaseOut, request)

    def triage(self, case_id: str | uuid.UUID, request: TriageRequest) -> CaseOut:
        """Staff: priority, category, source and/or severity."""
        return self._request("POST", f"/cases/{case_id}/triage", CaseOut, request)

    def assign(self, case_id: str | uuid.UUID, request: AssignRequest) -> CaseOut:
        """Staff: the case's owner, by id or email, or nobody."""
        return self._request("POST", f"/cases/{case_id}/assign", CaseOut, request)

    def ask_customer(self, case_id: str | uuid.UUID, request: AskCustomerRequest) -> CaseOut:
        """Staff: the question as a reply, and the case waiting on the customer."""
        return self._request("POST", f"/cases/{case_id}/ask-customer", CaseOut, request)

    def delete_comment(self, case_id: str | uuid.UUID, comment_id: str | uuid.UUID) -> None:
        """Staff: delete one's own internal note (204, again too: deleting twice is deleting once)."""
        self.http("DELETE", f"/cases/{case_id}/comments/{comment_id}").close()

    def get_case(self, case_id: str | uuid.UUID) -> CaseOut:
        return self._request("GET", f"/cases/{case_id}", CaseOut)

    def push(self, request: PushRequest) -> PushResponse:
        """POST /push (casedesktop/api/push.py); Rejected(404) from a server that predates it."""
        return self._request("POST", PUSH_PATH, PushResponse, request)

    def changes(self, cursor: int, limit: int = FEED_PAGE) -> ChangesPage:
        return self._request("GET", "/changes", ChangesPage, cursor=cursor, limit=limit)

    def wait_for_changes(self, cursor: int, wait: int) -> ChangesPage | None:
        """The feed's long-poll: answered when something newer than `cursor` arrives, else an
        empty page after `wait` seconds; None from a server without long-polls (no wait header).
        Only the first item is asked for: the caller fetches news with an ordinary pull."""
        timeout, self.timeout = self.timeout, (TIMEOUT[0], wait + TIMEOUT[1])
        try:
            response = self.http("GET", "/changes", params={"cursor": cursor, "limit": 1, "wait": wait})
        finally:
            self.timeout = timeout
        if CHANGES_WAIT_HEADER not in response.headers:
            return None
        return _read(ChangesPage, response)

    def accounts(self) -> list[AccountOut]:
        return TypeAdapter(list[AccountOut]).validate_json(self.http("GET", "/accounts").content)

    def products(self) -> list[ProductOut]:
        return TypeAdapter(list[ProductOut]).validate_json(self.http("GET", "/products").content)

    def categories(self) -> list[CategoryOut] | None:
        """The vendor's case categories; None from a server that predates them (404, 405)."""
        try:
            return TypeAdapter(list[CategoryOut]).validate_json(self.http("GET", "/categories").content)
        except Rejected as exc:
            if exc.status in (404, 405):
                return None
            raise

    def staff_summary(self, tz: str | None = None) -> StaffSummaryOut:
        """Staff: the counts above the desk's case list, "resolved today" in the IANA zone `tz`
        (the server's UTC without one); Rejected 403 for a customer."""
        return self._request("GET", "/staff/summary", StaffSummaryOut, **({"tz": tz} if tz else {}))

    def limits(self) -> LimitsOut:
        return self._request("GET", "/limits", LimitsOut)

    def client_release(self) -> ClientReleaseOut | None:
        """The client release the vendor published (casedesktop/api/releases.py); None when none
        is, or when the server predates the route (404, 405)."""
        try:
            return self._request("GET", CLIENT_RELEASE_PATH, ClientReleaseOut)
        except Rejected as exc:
            if exc.status in (404, 405):
                return None
            raise

    def logout(self) -> None:
        headers = {"Authorization": f"Bearer {self.token}"} if self.token else {}
        self.session.post(f"{self.base_url}{API_PREFIX}/auth/logout", headers=headers, timeout=self.timeout)
