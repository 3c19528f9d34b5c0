//! End to end against the real server: a `banli-server` on the demo hall
//! in this process, on a loopback port, with the kiosk's state driven by
//! the real HTTP client and printing to a file.

use std::sync::Arc;
use std::time::{Duration, Instant};

use banli_core::ids::ServiceId;
use banli_kiosk::client::{Client, ClientConfig};
use banli_kiosk::printer::{Printer, TransportConfig};
use banli_kiosk::state::{KioskState, PrintState, Screen, Settings};
use banli_kiosk::testing::BlockingShell;

#[test]
fn take_a_ticket_print_it_and_look_it_up() {
    let data = tempfile::tempdir().expect("data dir");
    let hall = banli_server::loopback::LoopbackDemo::start(data.path()).expect("demo server");
    let (url, token) = (hall.url.clone(), hall.kiosk_token.clone());
    let dir = tempfile::tempdir().expect("temp dir");
    let paper = dir.path().join("tickets.bin");
    let (client, _replies) = Client::new(
        ClientConfig {
            server_url: url.clone(),
            device_token: token,
            timeout: Duration::from_secs(5),
        },
        Arc::new(|| {}),
    );
    let mut shell = BlockingShell {
        client,
        printer: Printer::new(TransportConfig::File {
            path: paper.clone(),
        }),
        reports: Vec::new(),
    };
    let now = Instant::now();
    let mut k = KioskState::new(
        Settings::new("e2e", &format!("{url}/t/{{id}}?code={{code}}")),
        format!("e2e-{}", std::process::id()),
        now,
    );
    let fx = k.start(now);
    shell.run(&mut k, now, fx);
    assert!(k.is_issuing(), "{:?}", k.link);
    // The real server's guide names its departments: the kiosk lists them
    // by name, in hall order, each with items.
    let departments = k.guide_departments();
    assert_eq!(
        departments.first().map(ToString::to_string).as_deref(),
        Some("center")
    );
    for d in &departments {
        assert!(!k.guide_items(d).is_empty(), "{d}");
        assert_ne!(
            k.department_name(d, banli_kiosk::text::Lang::Zh),
            d.to_string(),
            "{d} is named"
        );
    }

    let service = k
        .services
        .iter()
        .find(|s| s.is_open)
        .map(|s| s.id.clone())
        .unwrap_or_else(|| ServiceId::from("exit-entry"));
    k.tap_service(now, &service);
    let fx = k.confirm(now);
    // The same request twice (a retry after a lost answer) is one ticket.
    let again = fx.clone();
    shell.run(&mut k, now, fx);
    let Screen::Ticket { issued, print, .. } = k.screen.clone() else {
        panic!("no ticket: {:?}", k.screen)
    };
    assert_eq!(print, PrintState::Printed);
    let bytes = std::fs::read(&paper).expect("printed");
    assert!(bytes.len() > 100);
    if let [
        banli_kiosk::state::Effect::RequestTicket {
            idempotency_key,
            request,
        },
    ] = again.as_slice()
    {
        let replay = shell
            .client
            .post_ticket(idempotency_key, request)
            .expect("replayed");
        assert_eq!(replay.ticket.id, issued.ticket.id);
        assert!(replay.replayed);
    }

    k.tap_progress(now);
    for d in issued.ticket.id.to_string().chars() {
        k.keypad_digit(now, d);
    }
    let fx = k.keypad_submit(now);
    shell.run(&mut k, now, fx);
    for d in issued.query_code.chars() {
        k.keypad_digit(now, d);
    }
    let fx = k.keypad_submit(now);
    shell.run(&mut k, now, fx);
    let Screen::Progress { view, .. } = &k.screen else {
        panic!("no progress: {:?}", k.screen)
    };
    assert_eq!(view.number, issued.ticket.number);
}
