//! `wsdl/inventory.wsdl` generated and served: `xs:choice`, a substitution group and derived
//! types (`xsi:type`) as enums,
//! `xs:list` and `[Flags]` enums, typed SOAP headers in requests and replies (and `mustUnderstand` on them), a one-way
//! operation with a header, and an rpc/literal contract — round-tripped in every encoding and
//! called over real sockets in text and binary session.

use soapws::envelope::{Encoding, MessageEncoder};
use soapws::nbfs::XmlString;
use soapws::rt::{
    AnyAttribute, ClientError, DeserializeXml, List, MessageHeaders, SerializeXml, XmlRead,
};
use soapws::transport::handshake::MessageEncoding;
use soapws::transport::{Client, Server};
use soapws_examples::inventory::{
    AddItem, AnyDiscount, Code, Discount, Factory, FindItems, FindItemsByNameOrByFlags, GetPrice,
    InventoryClient, InventoryInputHeaders, Item, ItemBinOrShelf, ItemFlags, ItemOrigin,
    ItemSkuOrBarcodeOrAliases, PercentDiscount, PricingClient, Restock, RestockInputHeaders,
    SeasonalDiscount, Tenant, TransferRequest,
};

mod common;

use common::{check, request};

const INVENTORY: &str = "http://soapws.example/inventory";
const PRICING: &str = "http://soapws.example/pricing";
/// The text of `value` written as the body element `name` in `ns`.
fn text_of<T: SerializeXml + Send + Sync + 'static>(
    value: T,
    name: &'static str,
    ns: &str,
) -> String {
    let ns = XmlString::dynamic(Box::leak(ns.to_owned().into_boxed_str()));
    let m = soapws::rt::message("urn:x", value, XmlString::dynamic(name), Some(ns));
    let bytes = MessageEncoder::new(Encoding::Text).encode(&m).unwrap();
    String::from_utf8(bytes).unwrap()
}

fn glass() -> Item {
    Item {
        grades: Some(List(vec![ItemFlags::Fragile])),
        any_attributes: vec![AnyAttribute {
            namespace: "urn:vendor".into(),
            local_name: "batch".into(),
            value: "B-7".into(),
        }],
        name: "glass".into(),
        sku_or_barcode_or_aliases: ItemSkuOrBarcodeOrAliases::Sku("G-1".into()),
        flags: List(vec![ItemFlags::Fragile, ItemFlags::Hazardous]),
        size: Some(List(vec![0.5, 1.25, 30.0])),
        code: Some(Code::String("A7".into())),
        discount: Some(AnyDiscount::SeasonalDiscount(Box::new(SeasonalDiscount {
            reason: "summer".into(),
            percent: 12.5,
            season: "2026".into(),
        }))),
        origin: Some(ItemOrigin::Factory(Factory {
            country: "PT".into(),
            line: 3,
        })),
        bin_or_shelf: vec![
            ItemBinOrShelf::Bin(3),
            ItemBinOrShelf::Shelf("north".into()),
            ItemBinOrShelf::Bin(4),
        ],
    }
}

#[test]
fn choices_lists_and_flags_round_trip_in_every_encoding() {
    let variants = [
        ItemSkuOrBarcodeOrAliases::Sku("S".into()),
        ItemSkuOrBarcodeOrAliases::Barcode(4_006_381_333_931),
        ItemSkuOrBarcodeOrAliases::Aliases(vec!["a".into(), "b".into(), "c".into()]),
    ];
    for id in variants {
        check(
            Item {
                sku_or_barcode_or_aliases: id,
                ..glass()
            },
            "Item",
            INVENTORY,
        );
    }
    check(
        Item {
            origin: Some(ItemOrigin::Supplier("ACME".into())),
            ..glass()
        },
        "Item",
        INVENTORY,
    );
    for discount in [
        AnyDiscount::Discount(Box::new(Discount {
            reason: "loyal".into(),
        })),
        AnyDiscount::PercentDiscount(Box::new(PercentDiscount {
            reason: "bulk".into(),
            percent: 5.0,
        })),
    ] {
        check(
            Item {
                discount: Some(discount),
                ..glass()
            },
            "Item",
            INVENTORY,
        );
    }
    // A union is the first member type its text is valid for.
    check(
        Item {
            code: Some(Code::Int(42)),
            ..glass()
        },
        "Item",
        INVENTORY,
    );
    // Empty lists, no optional members, no repeated choice.
    check(
        Item {
            name: "plain".into(),
            ..Item::default()
        },
        "Item",
        INVENTORY,
    );
    check(
        FindItems {
            by_name_or_by_flags: Some(FindItemsByNameOrByFlags::ByFlags(List(vec![
                ItemFlags::Perishable,
                ItemFlags::Fragile,
            ]))),
        },
        "FindItems",
        INVENTORY,
    );
    check(FindItems::default(), "FindItems", INVENTORY);
}

#[test]
fn choices_and_lists_have_the_schema_shape_on_the_wire() {
    let text = text_of(glass(), "Item", INVENTORY);
    // The choice is its element alone; a flags list is names separated by spaces, in an
    // attribute too; the repeated choice keeps the order of its elements.
    for expected in [
        "grades=\"Fragile\"",
        "<Sku>G-1</Sku>",
        "<Flags>Fragile Hazardous</Flags>",
        "<Size>0.5 1.25 30</Size>",
        "<Bin>3</Bin><Shelf>north</Shelf><Bin>4</Bin>",
        // An open attribute is kept with its namespace.
        ":batch=\"B-7\"",
        "=\"urn:vendor\"",
        // A substitution group member stands where its abstract head is referenced.
        "<Factory><Country>PT</Country><Line>3</Line></Factory>",
        // A derived type where its base is declared names itself with xsi:type.
        "<Discount i:type=\"SeasonalDiscount\" xmlns:i=\"http://www.w3.org/2001/XMLSchema-instance\"><Reason>summer</Reason><Percent>12.5</Percent><Season>2026</Season></Discount>",
    ] {
        assert!(text.contains(expected), "{expected} missing in {text}");
    }
    assert!(
        !text.contains("Barcode") && !text.contains("Aliases"),
        "{text}"
    );
    // A required choice that is missing is refused, naming its elements.
    let mut r = soapws::envelope::xml::TextXmlReader::new(
        "<Item xmlns='http://soapws.example/inventory'><Name>x</Name><Flags/></Item>",
    );
    r.advance().unwrap();
    let err = Item::read_element(&mut r).unwrap_err().to_string();
    assert!(err.contains("Sku or Barcode or Aliases"), "{err}");
    // Without xsi:type a member is its declared base type; with one, the type it names, its
    // prefix resolved where it is used.
    let read = |xml: &str| {
        let mut r = soapws::envelope::xml::TextXmlReader::new(xml);
        r.advance().unwrap();
        Item::read_element(&mut r).unwrap().discount
    };
    let item = |discount: &str| {
        format!("<Item xmlns='http://soapws.example/inventory' xmlns:i='http://www.w3.org/2001/XMLSchema-instance'><Name>x</Name><Sku>s</Sku><Flags/>{discount}</Item>")
    };
    assert_eq!(
        read(&item("<Discount><Reason>r</Reason></Discount>")),
        Some(AnyDiscount::Discount(Box::new(Discount {
            reason: "r".into()
        })))
    );
    assert_eq!(
        read(&item("<Discount i:type='q:PercentDiscount' xmlns:q='http://soapws.example/inventory'><Reason>r</Reason><Percent>1</Percent></Discount>")),
        Some(AnyDiscount::PercentDiscount(Box::new(PercentDiscount { reason: "r".into(), percent: 1.0 })))
    );
    // A value that is not one of the flags is refused.
    let mut r = soapws::envelope::xml::TextXmlReader::new(
        "<Item xmlns='http://soapws.example/inventory'><Name>x</Name><Sku>s</Sku><Flags>Fragile Sturdy</Flags></Item>",
    );
    r.advance().unwrap();
    assert!(Item::read_element(&mut r).is_err());
}

#[test]
fn rpc_literal_bodies_are_wrappers_of_unqualified_parts() {
    let text = text_of(
        GetPrice {
            sku: "glass-7".into(),
            quantity: 4,
        },
        "GetPrice",
        PRICING,
    );
    assert!(
        text.contains("<GetPrice xmlns=\"http://soapws.example/pricing\"><sku xmlns=\"\">glass-7</sku><quantity xmlns=\"\">4</quantity></GetPrice>"),
        "{text}"
    );
    check(
        GetPrice {
            sku: "glass-7".into(),
            quantity: 4,
        },
        "GetPrice",
        PRICING,
    );
}

async fn start() -> Server {
    soapws_examples::server()
        .bind("127.0.0.1:0")
        .await
        .expect("bind")
}

async fn clients(server: &Server) -> Vec<(MessageEncoding, InventoryClient)> {
    let url = format!("ws://{}/inventory", server.local_addr());
    let mut clients = Vec::new();
    for encoding in [MessageEncoding::BinarySession, MessageEncoding::Text] {
        let client = Client::builder(url.as_str())
            .encoding(encoding)
            .connect()
            .await
            .expect("connect");
        clients.push((encoding, InventoryClient::new(client)));
    }
    clients
}

fn tenant(id: &str) -> InventoryInputHeaders {
    InventoryInputHeaders {
        tenant: Some(Tenant {
            id: id.into(),
            region: Some("eu".into()),
        }),
        trace_id: Some(format!("trace-{id}")),
    }
}

#[tokio::test]
async fn typed_headers_travel_both_ways_in_both_encodings() {
    let server = start().await;
    for (encoding, client) in clients(&server).await {
        let name = format!("{encoding:?}");
        let added = client
            .add_item(AddItem { item: glass() }, tenant(&name))
            .await
            .expect("add");
        assert_eq!(added.id, 1);
        let plain = Item {
            name: "crate".into(),
            sku_or_barcode_or_aliases: ItemSkuOrBarcodeOrAliases::Barcode(42),
            ..Item::default()
        };
        assert_eq!(
            client
                .add_item(
                    AddItem {
                        item: plain.clone()
                    },
                    tenant(&name)
                )
                .await
                .unwrap()
                .id,
            2
        );
        // Another tenant (another header value) sees nothing of this one's items.
        let (found, headers) = client
            .find_items(FindItems::default(), tenant("someone else"))
            .await
            .unwrap();
        assert!(found.item.is_empty());
        assert_eq!(headers.audit.unwrap().items, 0);

        let by_flags = FindItems {
            by_name_or_by_flags: Some(FindItemsByNameOrByFlags::ByFlags(List(vec![
                ItemFlags::Hazardous,
            ]))),
        };
        let (found, headers) = client.find_items(by_flags, tenant(&name)).await.unwrap();
        assert_eq!(found.item, vec![glass()], "{name}");
        let audit = headers.audit.expect("the Audit reply header");
        assert_eq!(
            (audit.server.as_str(), audit.items),
            ("soapws inventory", 2)
        );
        assert_eq!(headers.trace_id, Some(format!("trace-{name}")));

        let by_name = FindItems {
            by_name_or_by_flags: Some(FindItemsByNameOrByFlags::ByName("crate".into())),
        };
        let (found, _) = client.find_items(by_name, tenant(&name)).await.unwrap();
        assert_eq!(found.item, vec![plain]);
    }
    server.shutdown().await;
}

#[tokio::test]
async fn a_one_way_operation_carries_its_header() {
    let server = start().await;
    for (encoding, client) in clients(&server).await {
        let name = format!("restock {encoding:?}");
        for quantity in [5, 7] {
            client
                .restock(
                    Restock { id: 1, quantity },
                    RestockInputHeaders {
                        tenant: tenant(&name).tenant,
                    },
                )
                .await
                .expect("send");
        }
        // One-way messages are handled in order, before the request that follows them.
        let (_, headers) = client
            .find_items(FindItems::default(), tenant(&name))
            .await
            .unwrap();
        assert_eq!(headers.audit.unwrap().restocked, 12, "{name}");
    }
    server.shutdown().await;
}

#[tokio::test]
async fn a_missing_header_is_the_services_fault_and_unknown_must_understand_headers_are_refused() {
    let server = start().await;
    let (_, client) = clients(&server).await.remove(0);
    match client
        .add_item(AddItem { item: glass() }, InventoryInputHeaders::default())
        .await
    {
        Err(ClientError::Soap(fault)) => {
            assert!(
                fault.reason().contains("Tenant header is required"),
                "{fault:?}"
            )
        }
        other => panic!("expected a fault, got {other:?}"),
    }

    // The declared headers are understood: with mustUnderstand they are still accepted …
    let find = |extra: Option<&str>| {
        let mut m = request(
            "http://soapws.example/inventory/IInventory/FindItems",
            FindItems::default(),
            "FindItems",
            INVENTORY,
        );
        tenant("mu").write_headers(&mut m.headers).unwrap();
        if let Some(name) = extra {
            soapws::rt::add_header(
                &mut m.headers,
                &"x".to_owned(),
                XmlString::dynamic(Box::leak(name.to_owned().into_boxed_str())),
                Some(XmlString::dynamic(INVENTORY)),
            )
            .unwrap();
        }
        for h in &mut m.headers.other {
            h.must_understand = true;
        }
        m
    };
    let reply = client.inner().call(find(None)).await.unwrap();
    assert!(!reply.is_fault());
    // … while a mustUnderstand header the contract does not declare gets the MustUnderstand
    // fault.
    let reply = client.inner().call(find(Some("Unknown"))).await.unwrap();
    let fault = reply.read_fault().unwrap().expect("a fault");
    assert!(format!("{fault:?}").contains("MustUnderstand"), "{fault:?}");
    assert!(fault.reason().contains("Unknown"), "{fault:?}");
    server.shutdown().await;
}

#[tokio::test]
async fn rpc_literal_contract_answers_over_both_encodings() {
    let server = start().await;
    let url = format!("ws://{}/pricing", server.local_addr());
    for encoding in [MessageEncoding::BinarySession, MessageEncoding::Text] {
        let client = PricingClient::new(
            Client::builder(url.as_str())
                .encoding(encoding)
                .connect()
                .await
                .unwrap(),
        );
        let price = client
            .get_price(GetPrice {
                sku: "glass-7".into(),
                quantity: 4,
            })
            .await
            .unwrap();
        assert_eq!(price.price, 10.0);
        assert_eq!(price.flags, List(vec![ItemFlags::Fragile]));
        let price = client
            .get_price(GetPrice {
                sku: "steel".into(),
                quantity: 1,
            })
            .await
            .unwrap();
        assert_eq!((price.price, price.flags.len()), (2.5, 0));
    }
    server.shutdown().await;
}

#[tokio::test]
async fn a_body_element_of_another_name_or_namespace_is_refused() {
    let server = start().await;
    let (_, client) = clients(&server).await.remove(0);
    for (name, ns) in [("FindItems", ""), ("FindItem", INVENTORY)] {
        let mut m = request(
            "http://soapws.example/inventory/IInventory/FindItems",
            FindItems::default(),
            name,
            ns,
        );
        tenant("x").write_headers(&mut m.headers).unwrap();
        let reply = client.inner().call(m).await.unwrap();
        let fault = reply.read_fault().unwrap().expect("a fault");
        let reason = fault.reason();
        assert!(
            reason.contains("element FindItems in namespace 'http://soapws.example/inventory'"),
            "{name} in '{ns}': {reason}"
        );
    }
    server.shutdown().await;
}

#[tokio::test]
async fn a_bare_request_of_two_parts_travels_without_a_wrapper() {
    // On the wire: the body holds the two part elements themselves.
    let message = soapws::rt::parts_message(
        "urn:x",
        TransferRequest {
            item: 7,
            quantity: 3,
        },
    );
    let text = String::from_utf8(
        MessageEncoder::new(Encoding::Text)
            .encode(&message)
            .unwrap(),
    )
    .unwrap();
    assert!(
        text.contains("<s:Body><ItemId xmlns=\"http://soapws.example/inventory\">7</ItemId><Quantity xmlns=\"http://soapws.example/inventory\">3</Quantity></s:Body>"),
        "{text}"
    );
    let server = start().await;
    for (encoding, client) in clients(&server).await {
        for (item, quantity, accepted) in [(7, 3, true), (7, 0, false)] {
            let reply = client
                .transfer(TransferRequest { item, quantity })
                .await
                .unwrap();
            assert_eq!(reply.accepted, accepted, "{encoding:?}");
        }
    }
    // A part that is missing is refused.
    let (_, client) = clients(&server).await.remove(0);
    let m = request(
        "http://soapws.example/inventory/IInventory/Transfer",
        7,
        "ItemId",
        INVENTORY,
    );
    let reply = client.inner().call(m).await.unwrap();
    let fault = reply.read_fault().unwrap().expect("a fault");
    assert!(fault.reason().contains("Quantity"), "{fault:?}");
    server.shutdown().await;
}
