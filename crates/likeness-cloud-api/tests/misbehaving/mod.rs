//! A server on loopback that answers every request the same wrong way:
//! shared by the client's tests and the app's (`likeness-cloud`'s
//! `app_misbehaving`), which include this file by path.

use std::io::{Read, Write};
use std::net::TcpListener;
use std::time::Duration;

/// What the server does with each request it gets.
#[derive(Clone, Copy)]
pub enum Misbehaviour {
    Answer(u16, &'static str),
    Sleep(Duration),
    HangUp,
}

/// A server on a free loopback port that misbehaves the same way every time.
pub fn server(behaviour: Misbehaviour) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let address = listener.local_addr().unwrap();
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { continue };
            let mut request = [0u8; 65536];
            let _ = stream.read(&mut request);
            match behaviour {
                Misbehaviour::Answer(status, body) => {
                    let answer = format!(
                        "HTTP/1.1 {status} X\r\nContent-Type: application/json\r\n\
                         Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
                        body.len()
                    );
                    let _ = stream.write_all(answer.as_bytes());
                }
                Misbehaviour::Sleep(time) => std::thread::sleep(time),
                Misbehaviour::HangUp => drop(stream),
            }
        }
    });
    format!("http://{address}")
}
