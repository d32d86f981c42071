//! A small W3C WebDriver client over reqwest, driving Debian's `chromium` through
//! `chromium-driver` (installed by `.ci/setup --tests`): a session, navigation, elements,
//! typing, clicking, scripts, screenshots. (fantoccini would bring a second TLS stack,
//! aws-lc and cmake, for what is a dozen JSON calls to a driver on 127.0.0.1.)
#![allow(dead_code)]

use std::process::{Child, Command, Stdio};
use std::time::Duration;

use base64::Engine as _;
use serde_json::{Value, json};

const ELEMENT: &str = "element-6066-11e4-a52e-4f735466cecf";

/// A running chromedriver with one headless Chromium session; both end when dropped.
pub struct Browser {
    driver: Child,
    base: String,
    session: String,
    http: reqwest::Client,
}

/// Where Debian puts the driver.
fn driver_path() -> Option<&'static str> {
    ["/usr/bin/chromedriver", "/usr/lib/chromium/chromedriver"].into_iter().find(|p| std::path::Path::new(p).is_file())
}

impl Browser {
    /// Starts chromedriver on a free port and a headless session `width` × `height`.
    pub async fn start(width: u32, height: u32) -> Browser {
        let path = driver_path().expect(
            "chromedriver is not installed: run `.ci/setup --tests` (apt-get install -y chromium chromium-driver)",
        );
        let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        let driver = Command::new(path)
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("chromedriver starts");
        let base = format!("http://127.0.0.1:{port}");
        let http = reqwest::Client::builder().timeout(Duration::from_secs(60)).build().unwrap();
        let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
        while http.get(format!("{base}/status")).send().await.is_err() {
            assert!(tokio::time::Instant::now() < deadline, "chromedriver did not start");
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        let caps = json!({"capabilities": {"alwaysMatch": {
            "browserName": "chrome",
            "goog:chromeOptions": {"args": [
                "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                "--lang=ja-JP", format!("--window-size={width},{height}")
            ]}
        }}});
        let mut browser = Browser { driver, base, session: String::new(), http };
        let created = browser.call("POST", "/session", caps).await;
        browser.session = created["sessionId"].as_str().expect("a WebDriver session").to_string();
        browser
    }

    async fn call(&self, method: &str, path: &str, body: Value) -> Value {
        let url = format!("{}{path}", self.base);
        let request = match method {
            "GET" => self.http.get(url),
            "DELETE" => self.http.delete(url),
            _ => self.http.post(url).header("Content-Type", "application/json").body(body.to_string()),
        };
        let response = request.send().await.expect("chromedriver answers");
        let value: Value = serde_json::from_str(&response.text().await.unwrap_or_default()).unwrap_or(Value::Null);
        if value["value"]["error"].is_string() {
            panic!("WebDriver {method} {path}: {}", value["value"]);
        }
        value["value"].clone()
    }

    fn at(&self, path: &str) -> String {
        format!("/session/{}{path}", self.session)
    }

    pub async fn goto(&self, url: &str) {
        self.call("POST", &self.at("/url"), json!({"url": url})).await;
    }

    pub async fn url(&self) -> String {
        self.call("GET", &self.at("/url"), Value::Null).await.as_str().unwrap_or("").to_string()
    }

    /// Waits (up to 10 s) until the address contains `part`; the address.
    pub async fn wait_for_url(&self, part: &str) -> String {
        let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
        loop {
            let url = self.url().await;
            if url.contains(part) || tokio::time::Instant::now() > deadline {
                return url;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    pub async fn title(&self) -> String {
        self.call("GET", &self.at("/title"), Value::Null).await.as_str().unwrap_or("").to_string()
    }

    /// The first element matching `css`.
    pub async fn find(&self, css: &str) -> String {
        let v = self.call("POST", &self.at("/element"), json!({"using": "css selector", "value": css})).await;
        v[ELEMENT].as_str().unwrap_or_else(|| panic!("no element {css}")).to_string()
    }

    /// Every element matching `css`.
    pub async fn find_all(&self, css: &str) -> Vec<String> {
        let v = self.call("POST", &self.at("/elements"), json!({"using": "css selector", "value": css})).await;
        v.as_array().into_iter().flatten().filter_map(|e| e[ELEMENT].as_str().map(String::from)).collect()
    }

    pub async fn text(&self, element: &str) -> String {
        self.call("GET", &self.at(&format!("/element/{element}/text")), Value::Null)
            .await
            .as_str()
            .unwrap_or("")
            .to_string()
    }

    pub async fn attribute(&self, element: &str, name: &str) -> String {
        self.call("GET", &self.at(&format!("/element/{element}/attribute/{name}")), Value::Null)
            .await
            .as_str()
            .unwrap_or("")
            .to_string()
    }

    pub async fn click(&self, element: &str) {
        self.call("POST", &self.at(&format!("/element/{element}/click")), json!({})).await;
    }

    pub async fn type_into(&self, element: &str, text: &str) {
        self.call("POST", &self.at(&format!("/element/{element}/value")), json!({"text": text})).await;
    }

    /// Runs `script` (a function body) in the page; its return value.
    pub async fn script(&self, script: &str) -> Value {
        self.call("POST", &self.at("/execute/sync"), json!({"script": script, "args": []})).await
    }

    pub async fn set_size(&self, width: u32, height: u32) {
        self.call("POST", &self.at("/window/rect"), json!({"width": width, "height": height})).await;
    }

    /// A PNG of the viewport.
    pub async fn screenshot(&self) -> Vec<u8> {
        let v = self.call("GET", &self.at("/screenshot"), Value::Null).await;
        base64::engine::general_purpose::STANDARD.decode(v.as_str().unwrap_or("")).unwrap_or_default()
    }

    /// Ends the session and the driver.
    pub async fn quit(mut self) {
        let _ = self.http.delete(format!("{}{}", self.base, self.at(""))).send().await;
        let _ = self.driver.kill();
        let _ = self.driver.wait();
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        let _ = self.driver.kill();
    }
}
