//! The examples' services, generated from the WSDLs in `wsdl/` by `build.rs`, and their
//! implementations (used by the `calculator` example and the interop tests).

mod inventory_service;
mod scenarios;
mod sessions;

pub use inventory_service::{InventoryService, PricingService};
pub use scenarios::{stream_bytes, PushService, RequestReplyService, DOWNLOAD_DATA, STREAM_LEN};
pub use sessions::Sessions;

/// WCF's `ICalculator` (`wsdl/calculator.wsdl`).
pub mod calculator {
    soapws::include_service!("calculator");
}

/// WCF's `ICalculatorDuplex` with its callback contract (`wsdl/calculator-duplex.wsdl`).
pub mod calculator_duplex {
    soapws::include_service!("calculator-duplex");
}

/// dotnet/wcf's WebSocket scenario contracts: `IWSDuplexService` with `IPushCallback`, and
/// `IWSRequestReplyService` (`wsdl/websocket-scenarios.wsdl`).
pub mod websocket_scenarios {
    soapws::include_service!("websocket-scenarios");
}

/// An inventory with typed SOAP headers, `xs:choice`, lists and `[Flags]` enums, and an
/// rpc/literal pricing contract (`wsdl/inventory.wsdl`).
pub mod inventory {
    soapws::include_service!("inventory");
}

use calculator::{
    Add, AddResponse, Calculator, CalculatorFault, Divide, DivideResponse, MathFault,
};
use calculator::{Multiply, MultiplyResponse, Subtract, SubtractResponse};
use calculator_duplex::{
    CalculatorDuplex, CalculatorDuplexCallbackClient, CalculatorDuplexFault, Equation,
};

/// The calculator: the four operations; dividing by zero answers the declared `MathFault`.
#[derive(Debug, Default)]
pub struct CalculatorService;

#[soapws::async_trait]
impl Calculator for CalculatorService {
    async fn add(&self, r: Add) -> Result<AddResponse, CalculatorFault> {
        Ok(AddResponse {
            add_result: Some(r.n1.unwrap_or(0.0) + r.n2.unwrap_or(0.0)),
        })
    }

    async fn subtract(&self, r: Subtract) -> Result<SubtractResponse, CalculatorFault> {
        Ok(SubtractResponse {
            subtract_result: Some(r.n1.unwrap_or(0.0) - r.n2.unwrap_or(0.0)),
        })
    }

    async fn multiply(&self, r: Multiply) -> Result<MultiplyResponse, CalculatorFault> {
        Ok(MultiplyResponse {
            multiply_result: Some(r.n1.unwrap_or(0.0) * r.n2.unwrap_or(0.0)),
        })
    }

    async fn divide(&self, r: Divide) -> Result<DivideResponse, CalculatorFault> {
        let divisor = r.n2.unwrap_or(0.0);
        if divisor == 0.0 {
            return Err(CalculatorFault::MathFault(MathFault {
                operation: Some("Divide".into()),
                problem_type: Some("Division by zero".into()),
            }));
        }
        Ok(DivideResponse {
            divide_result: Some(r.n1.unwrap_or(0.0) / divisor),
        })
    }
}

/// The duplex calculator: a running result per session (connection), reported back with the
/// `Result` and `Equation` callbacks, as WCF's CalculatorDuplex sample does.
#[derive(Debug, Default)]
pub struct CalculatorDuplexService {
    sessions: Sessions<Running>,
}

/// A duplex calculator session: the running result and the equation so far.
#[derive(Debug)]
struct Running {
    result: f64,
    equation: String,
}

impl Default for Running {
    fn default() -> Self {
        Self {
            result: 0.0,
            equation: "0".into(),
        }
    }
}

impl CalculatorDuplexService {
    /// Applies `op` with `n` to the session's result and calls the client back.
    async fn apply(
        &self,
        callback: &CalculatorDuplexCallbackClient,
        symbol: &str,
        n: f64,
        op: fn(f64, f64) -> f64,
    ) -> Result<(), CalculatorDuplexFault> {
        let result = self.sessions.with(&callback.peer, |s| {
            s.result = op(s.result, n);
            s.equation.push_str(&format!(" {symbol} {n}"));
            s.result
        });
        let reply = calculator_duplex::Result {
            result: Some(result),
        };
        callback.result(reply).await.map_err(|e| {
            CalculatorDuplexFault::Soap(soapws::envelope::Fault::receiver(e.to_string()))
        })
    }
}

#[soapws::async_trait]
impl CalculatorDuplex for CalculatorDuplexService {
    async fn clear(
        &self,
        _: calculator_duplex::Clear,
        callback: CalculatorDuplexCallbackClient,
    ) -> Result<(), CalculatorDuplexFault> {
        let equation = self.sessions.with(&callback.peer, |s| {
            let done = format!("{} = {}", s.equation, s.result);
            *s = Running::default();
            done
        });
        callback
            .equation(Equation {
                eqn: Some(equation),
            })
            .await
            .map_err(|e| {
                CalculatorDuplexFault::Soap(soapws::envelope::Fault::receiver(e.to_string()))
            })
    }

    async fn add_to(
        &self,
        r: calculator_duplex::AddTo,
        callback: CalculatorDuplexCallbackClient,
    ) -> Result<(), CalculatorDuplexFault> {
        self.apply(&callback, "+", r.n.unwrap_or(0.0), |a, b| a + b)
            .await
    }

    async fn subtract_from(
        &self,
        r: calculator_duplex::SubtractFrom,
        callback: CalculatorDuplexCallbackClient,
    ) -> Result<(), CalculatorDuplexFault> {
        self.apply(&callback, "-", r.n.unwrap_or(0.0), |a, b| a - b)
            .await
    }

    async fn multiply_by(
        &self,
        r: calculator_duplex::MultiplyBy,
        callback: CalculatorDuplexCallbackClient,
    ) -> Result<(), CalculatorDuplexFault> {
        self.apply(&callback, "*", r.n.unwrap_or(0.0), |a, b| a * b)
            .await
    }

    async fn divide_by(
        &self,
        r: calculator_duplex::DivideBy,
        callback: CalculatorDuplexCallbackClient,
    ) -> Result<(), CalculatorDuplexFault> {
        self.apply(&callback, "/", r.n.unwrap_or(0.0), |a, b| a / b)
            .await
    }
}

/// The example services on one server, each accepting text and binary session, as the
/// `calculator` example serves them: `ICalculator` at `/calculator`, `ICalculatorDuplex` at
/// `/calculator-duplex`, the WebSocket scenario contracts `IWSDuplexService` at `/push` and
/// `IWSRequestReplyService` at `/request-reply`, and the inventory's `IInventory` at
/// `/inventory` and `IPricing` at `/pricing`.
pub fn server() -> soapws::transport::ServerBuilder {
    use soapws::transport::handshake::{EndpointConfig, MessageEncoding};
    let endpoint =
        || EndpointConfig::new(MessageEncoding::BinarySession).with_encoding(MessageEncoding::Text);
    soapws::transport::Server::builder()
        .route(
            "/calculator",
            endpoint(),
            calculator::CalculatorServer::new(CalculatorService),
        )
        .wsdl("/calculator", include_str!("../../wsdl/calculator.wsdl"))
        .route(
            "/calculator-duplex",
            endpoint(),
            calculator_duplex::CalculatorDuplexServer::new(CalculatorDuplexService::default()),
        )
        .wsdl(
            "/calculator-duplex",
            include_str!("../../wsdl/calculator-duplex.wsdl"),
        )
        .route(
            "/push",
            endpoint(),
            websocket_scenarios::WSDuplexServiceServer::new(PushService::default()),
        )
        .wsdl("/push", include_str!("../../wsdl/websocket-scenarios.wsdl"))
        .route(
            "/request-reply",
            endpoint(),
            websocket_scenarios::WSRequestReplyServiceServer::new(RequestReplyService::default()),
        )
        .wsdl(
            "/request-reply",
            include_str!("../../wsdl/websocket-scenarios.wsdl"),
        )
        .route(
            "/inventory",
            endpoint(),
            inventory::InventoryServer::new(InventoryService::default()),
        )
        .wsdl("/inventory", include_str!("../../wsdl/inventory.wsdl"))
        .route(
            "/pricing",
            endpoint(),
            inventory::PricingServer::new(PricingService),
        )
        .wsdl("/pricing", include_str!("../../wsdl/inventory.wsdl"))
}
