//! The app's client against a misbehaving server on loopback: every way an
//! answer can be wrong is a distinct error, and none of them reads as success.

mod misbehaving;

use std::net::TcpListener;
use std::time::Duration;

use likeness_cloud_api::client::{ClientError, CloudClient};
use misbehaving::{server, Misbehaviour};

fn client(behaviour: Misbehaviour) -> CloudClient {
    CloudClient::new(&server(behaviour))
        .unwrap()
        .with_timeout(Duration::from_millis(500))
        .with_token("lk_secret_token")
}

#[test]
fn malformed_json_is_a_bad_answer_not_a_balance() {
    let error = client(Misbehaviour::Answer(200, "{\"credits\": 10,"))
        .balance()
        .unwrap_err();
    assert!(matches!(error, ClientError::BadAnswer(_)), "{error:?}");
}

#[test]
fn a_captive_portal_page_is_a_bad_answer() {
    let error = client(Misbehaviour::Answer(
        200,
        "<html>Sign in to the Wi-Fi</html>",
    ))
    .packs()
    .unwrap_err();
    assert!(matches!(error, ClientError::BadAnswer(_)), "{error:?}");
}

#[test]
fn a_500_is_a_server_error() {
    let error = client(Misbehaviour::Answer(500, "oops"))
        .ledger()
        .unwrap_err();
    assert_eq!(error, ClientError::Server { status: 500 });
    assert!(error.to_string().contains("nothing was changed"));
}

#[test]
fn a_server_that_does_not_answer_in_time_is_a_timeout() {
    let error = client(Misbehaviour::Sleep(Duration::from_secs(5)))
        .balance()
        .unwrap_err();
    assert_eq!(error, ClientError::Timeout);
}

#[test]
fn a_dropped_connection_is_unreachable() {
    let error = client(Misbehaviour::HangUp).balance().unwrap_err();
    assert!(matches!(error, ClientError::Unreachable(_)), "{error:?}");
}

#[test]
fn nothing_listening_is_unreachable() {
    let port = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let error = CloudClient::new(&format!("http://127.0.0.1:{port}"))
        .unwrap()
        .balance()
        .unwrap_err();
    assert!(matches!(error, ClientError::Unreachable(_)), "{error:?}");
}

#[test]
fn a_402_says_what_is_needed_and_what_the_balance_is() {
    let body = r#"{"code":"insufficient_credits","message":"Not enough credits.","details":{"needed":12,"balance":3}}"#;
    let error = client(Misbehaviour::Answer(402, body))
        .submit("key-1", "quo_1", b"png")
        .unwrap_err();
    let ClientError::InsufficientCredits(short) = error else {
        panic!("{error:?}")
    };
    assert_eq!((short.needed, short.balance), (12, 3));
}

#[test]
fn a_coded_4xx_keeps_its_code_and_message() {
    let body = r#"{"code":"quote_expired","message":"This quote has expired.","details":{}}"#;
    let error = client(Misbehaviour::Answer(410, body))
        .submit("key-1", "quo_1", b"png")
        .unwrap_err();
    let ClientError::Refused { status, code, .. } = &error else {
        panic!("{error:?}")
    };
    assert_eq!((*status, code.as_str()), (410, "quote_expired"));
    assert_eq!(error.to_string(), "This quote has expired.");
}

#[test]
fn a_4xx_without_a_coded_error_is_a_bad_answer() {
    let error = client(Misbehaviour::Answer(404, "Not Found"))
        .job("job_1")
        .unwrap_err();
    assert!(matches!(error, ClientError::BadAnswer(_)), "{error:?}");
}

#[test]
fn an_address_that_is_not_http_is_refused_before_any_call() {
    for bad in [
        "",
        "ftp://example.com",
        "example.com",
        "http://",
        "http://a b",
    ] {
        assert!(
            matches!(CloudClient::new(bad), Err(ClientError::BadUrl(_))),
            "{bad:?}"
        );
    }
    assert_eq!(
        CloudClient::new("https://cloud.example/").unwrap().base(),
        "https://cloud.example"
    );
}

#[test]
fn an_id_that_would_change_the_path_is_refused() {
    let error = client(Misbehaviour::Answer(200, "{}"))
        .job("../balance")
        .unwrap_err();
    assert!(matches!(error, ClientError::BadAnswer(_)), "{error:?}");
}

#[test]
fn the_token_never_shows_in_debug_output() {
    let shown = format!("{:?}", client(Misbehaviour::HangUp));
    assert!(
        !shown.contains("lk_secret_token") && shown.contains("<redacted>"),
        "{shown}"
    );
}
