//! [`AppError`]: every failure of every route, answered as JSON with a
//! stable code, an English and a Chinese message, and a proper status.

use axum::Json;
use axum::extract::rejection::{JsonRejection, PathRejection, QueryRejection};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use banli_core::config::ConfigIssue;
use banli_core::engine::Rejection;
use banli_core::wire::ApiError;

use crate::engine_task::{CommandError, EngineUnavailable, StorageFailure};
use crate::store::StoreError;

/// An error answer.
#[derive(Debug, Clone)]
pub struct AppError {
    /// HTTP status.
    pub status: StatusCode,
    /// Stable code.
    pub code: &'static str,
    /// English message.
    pub message: String,
    /// Chinese message.
    pub message_zh: String,
    /// Field problems, for invalid configuration.
    pub fields: Vec<ConfigIssue>,
    /// Seconds to wait, for 429.
    pub retry_after: Option<u64>,
}

impl AppError {
    /// An error with the given parts.
    pub fn new(
        status: StatusCode,
        code: &'static str,
        message: impl Into<String>,
        message_zh: impl Into<String>,
    ) -> Self {
        Self {
            status,
            code,
            message: message.into(),
            message_zh: message_zh.into(),
            fields: Vec::new(),
            retry_after: None,
        }
    }

    /// 401: no or bad credentials.
    pub fn unauthorized() -> Self {
        Self::new(
            StatusCode::UNAUTHORIZED,
            "unauthorized",
            "a valid bearer token is required",
            "需要有效的登录凭证",
        )
    }

    /// 401: the session expired.
    pub fn expired() -> Self {
        Self::new(
            StatusCode::UNAUTHORIZED,
            "token_expired",
            "the session has expired; log in again",
            "登录已过期，请重新登录",
        )
    }

    /// 403: authenticated, not allowed.
    pub fn forbidden(what: &str) -> Self {
        Self::new(
            StatusCode::FORBIDDEN,
            "forbidden",
            format!("not allowed: {what}"),
            "无权进行此操作",
        )
    }

    /// 404.
    pub fn not_found(what: &str) -> Self {
        Self::new(
            StatusCode::NOT_FOUND,
            "not_found",
            format!("{what} not found"),
            "未找到",
        )
    }

    /// 400 or 422 for a request that is well-formed JSON but says something invalid.
    pub fn invalid(
        code: &'static str,
        message: impl Into<String>,
        message_zh: impl Into<String>,
    ) -> Self {
        Self::new(StatusCode::UNPROCESSABLE_ENTITY, code, message, message_zh)
    }

    /// 429 for a request a rate limiter refused (`d`), counted by limiter:
    /// "{what}; try again in N seconds" and 「{what_zh}，请N分钟后再试」,
    /// with `Retry-After`.
    pub fn rate_limited(
        state: &crate::AppState,
        d: crate::limit::Denied,
        code: &'static str,
        what: &str,
        what_zh: &str,
    ) -> Self {
        state
            .metrics
            .rate_limited
            .get_or_create(&crate::metrics::LimiterLabel { limiter: d.limiter })
            .inc();
        let wait = d.retry_after_secs;
        let mut e = Self::new(
            StatusCode::TOO_MANY_REQUESTS,
            code,
            format!("{what}; try again in {wait} seconds"),
            format!("{what_zh}，请{}分钟后再试", wait.div_ceil(60)),
        );
        e.retry_after = Some(wait);
        e
    }

    /// 503: storage failure or shutting down.
    pub fn unavailable() -> Self {
        Self::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "unavailable",
            "the hall server cannot record this right now; try again",
            "系统暂时无法处理，请稍后再试",
        )
    }

    /// 500, with the cause logged once here and a generic answer.
    pub fn internal(cause: &dyn std::fmt::Display) -> Self {
        tracing::error!(error = %cause, "internal error");
        Self::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "internal",
            "internal server error",
            "系统内部错误",
        )
    }
}

impl From<Rejection> for AppError {
    fn from(r: Rejection) -> Self {
        let status = match &r {
            Rejection::UnknownService(_)
            | Rejection::UnknownCounter(_)
            | Rejection::UnknownTicket(_)
            | Rejection::UnknownAppointment => StatusCode::NOT_FOUND,
            Rejection::PriorityNotAllowed | Rejection::InvalidConfig(_) => {
                StatusCode::UNPROCESSABLE_ENTITY
            }
            Rejection::Feedback(f) => crate::api::feedback::refusal_status(f),
            Rejection::Case(
                banli_core::case::CaseRejection::UnknownCase(_)
                | banli_core::case::CaseRejection::UnknownMatter(_),
            ) => StatusCode::NOT_FOUND,
            Rejection::Case(
                banli_core::case::CaseRejection::BadField { .. }
                | banli_core::case::CaseRejection::MatterWithoutLimit(_),
            ) => StatusCode::UNPROCESSABLE_ENTITY,
            Rejection::Inconsistent(e) => {
                tracing::error!(error = %e, "the engine found its state inconsistent");
                StatusCode::INTERNAL_SERVER_ERROR
            }
            _ => StatusCode::CONFLICT,
        };
        let fields = if let Rejection::InvalidConfig(issues) = &r {
            issues.clone()
        } else {
            Vec::new()
        };
        Self {
            status,
            code: r.code(),
            message: r.to_string(),
            message_zh: r.message_zh(),
            fields,
            retry_after: None,
        }
    }
}

impl From<CommandError> for AppError {
    fn from(e: CommandError) -> Self {
        match e {
            CommandError::Rejected(r) => r.into(),
            CommandError::Storage(StorageFailure::Full) => {
                let mut e = Self::new(
                    StatusCode::SERVICE_UNAVAILABLE,
                    "storage_full",
                    "the hall server's disk is full: this was not recorded; tell the administrator",
                    "服务器存储空间已满，本次操作未记录，请联系管理员",
                );
                e.retry_after = Some(30);
                e
            }
            CommandError::Storage(StorageFailure::Failed) => {
                let mut e = Self::new(
                    StatusCode::SERVICE_UNAVAILABLE,
                    "storage_failed",
                    "the hall server could not record this; try again",
                    "系统暂时无法记录，本次操作未生效，请稍后再试",
                );
                e.retry_after = Some(5);
                e
            }
            CommandError::Fault => Self::new(
                StatusCode::INTERNAL_SERVER_ERROR,
                "engine_fault",
                "the hall server failed on this request; nothing was recorded",
                "系统处理出错，本次操作未记录，请重试或联系管理员",
            ),
            CommandError::Stopped => Self::unavailable(),
        }
    }
}

impl From<EngineUnavailable> for AppError {
    fn from(_: EngineUnavailable) -> Self {
        Self::unavailable()
    }
}

impl From<StoreError> for AppError {
    fn from(e: StoreError) -> Self {
        tracing::error!(error = %e, "storage error");
        Self::unavailable()
    }
}

impl From<JsonRejection> for AppError {
    fn from(r: JsonRejection) -> Self {
        let (code, zh) = match r.status() {
            StatusCode::PAYLOAD_TOO_LARGE => ("body_too_large", "请求内容过大"),
            StatusCode::UNSUPPORTED_MEDIA_TYPE => (
                "unsupported_media_type",
                "请求须为 JSON（Content-Type: application/json）",
            ),
            StatusCode::UNPROCESSABLE_ENTITY => ("invalid_body", "请求内容字段有误"),
            _ => ("malformed_json", "请求内容不是有效的 JSON"),
        };
        Self::new(r.status(), code, r.body_text(), zh)
    }
}

impl From<PathRejection> for AppError {
    fn from(r: PathRejection) -> Self {
        Self::new(
            StatusCode::BAD_REQUEST,
            "invalid_path",
            r.body_text(),
            "请求地址有误",
        )
    }
}

impl From<QueryRejection> for AppError {
    fn from(r: QueryRejection) -> Self {
        Self::new(
            StatusCode::BAD_REQUEST,
            "invalid_query",
            r.body_text(),
            "请求参数有误",
        )
    }
}

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        let body = ApiError {
            code: self.code.to_owned(),
            message: self.message,
            message_zh: self.message_zh,
            fields: self.fields,
        };
        let mut resp = (self.status, Json(body)).into_response();
        if let Some(secs) = self.retry_after {
            resp.headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from(secs));
        }
        resp
    }
}
