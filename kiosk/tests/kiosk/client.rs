//! The HTTP client against a one-shot fake server on a real socket: what
//! it sends (token, `Idempotency-Key`, body) and how answers map to
//! [`ApiFailure`].

use std::io::{BufRead as _, BufReader, Read as _, Write as _};
use std::net::TcpListener;
use std::sync::Arc;
use std::time::Duration;

use banli_core::ids::ServiceId;
use banli_core::wire::IssueTicketRequest;
use banli_kiosk::client::{Client, ClientConfig};
use banli_kiosk::state::ApiFailure;

/// Serves one request with `status` and `body`; returns the request text.
fn serve_once(status: &str, body: &str) -> (String, std::thread::JoinHandle<String>) {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let addr = listener.local_addr().expect("addr");
    let response = format!(
        "HTTP/1.1 {status}\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
        body.len()
    );
    let handle = std::thread::spawn(move || {
        let (stream, _) = listener.accept().expect("accept");
        let mut reader = BufReader::new(stream);
        let mut head = String::new();
        let mut len = 0usize;
        loop {
            let mut line = String::new();
            if reader.read_line(&mut line).unwrap_or(0) == 0 || line == "\r\n" {
                break;
            }
            if let Some(v) = line.to_ascii_lowercase().strip_prefix("content-length:") {
                len = v.trim().parse().unwrap_or(0);
            }
            head.push_str(&line);
        }
        let mut body = vec![0; len];
        let _ = reader.read_exact(&mut body);
        head.push_str(&String::from_utf8_lossy(&body));
        let mut stream = reader.into_inner();
        let _ = stream.write_all(response.as_bytes());
        head
    });
    (format!("http://{addr}"), handle)
}

fn client(url: &str) -> Client {
    Client::new(
        ClientConfig {
            server_url: url.to_owned(),
            device_token: "d_test".to_owned(),
            timeout: Duration::from_secs(5),
        },
        Arc::new(|| {}),
    )
    .0
}

#[test]
fn ticket_request_carries_token_key_and_body() {
    let issued = serde_json::to_string(&banli_kiosk::testing::issued(7, "B007", "exit-entry"))
        .expect("serialise");
    let (url, server) = serve_once("201 Created", &issued);
    let request = IssueTicketRequest {
        service_id: ServiceId::from("exit-entry"),
        priority: None,
        appointment_code: None,
    };
    let got = client(&url)
        .post_ticket("kiosk-1-1", &request)
        .expect("issued");
    assert_eq!(got.ticket.number, "B007");
    let seen = server.join().expect("server thread").to_ascii_lowercase();
    assert!(seen.starts_with("post /api/v1/tickets "), "{seen}");
    assert!(seen.contains("authorization: bearer d_test"), "{seen}");
    assert!(seen.contains("idempotency-key: kiosk-1-1"), "{seen}");
    let compact: String = seen.chars().filter(|c| !c.is_whitespace()).collect();
    assert!(compact.contains("\"service_id\":\"exit-entry\""), "{seen}");
}

#[test]
fn refusal_is_rejected_with_both_messages() {
    let (url, server) = serve_once(
        "409 Conflict",
        r#"{"code":"service_closed","message":"closed","message_zh":"不在办理时间"}"#,
    );
    let err = client(&url).get_services().expect_err("refused");
    let _ = server.join();
    match err {
        ApiFailure::Rejected(e) => {
            assert_eq!(
                (e.code.as_str(), e.message_zh.as_str()),
                ("service_closed", "不在办理时间")
            );
        }
        other => panic!("expected a refusal, got {other:?}"),
    }
}

#[test]
fn no_server_and_server_errors_are_unreachable() {
    let port = TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("free port")
        .port();
    let err = client(&format!("http://127.0.0.1:{port}"))
        .get_guide()
        .expect_err("nobody listens");
    assert!(err.is_unreachable(), "{err:?}");

    let (url, server) = serve_once("503 Service Unavailable", "{}");
    let err = client(&url).get_guide().expect_err("5xx");
    let _ = server.join();
    assert!(err.is_unreachable(), "{err:?}");
}
