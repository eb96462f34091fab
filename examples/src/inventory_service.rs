//! The inventory service of `wsdl/inventory.wsdl`: items kept per tenant, the tenant named by
//! a typed SOAP header, and the rpc/literal pricing contract beside it.

use std::collections::HashMap;
use std::sync::Mutex;

use soapws::envelope::Fault;
use soapws::rt::List;

use crate::inventory::{
    AddItem, AddItemResponse, Audit, FindItems, FindItemsByNameOrByFlags, FindItemsOutputHeaders,
    FindItemsResponse, GetPrice, GetPriceResponse, Inventory, InventoryFault,
    InventoryInputHeaders, Item, ItemFlags, Pricing, PricingFault, Restock, RestockInputHeaders,
    TransferRequest, TransferResponse,
};

/// Items and restocked quantities per tenant (the `Tenant` header's id).
#[derive(Debug, Default)]
pub struct InventoryService {
    tenants: Mutex<HashMap<String, Stock>>,
}

/// One tenant's inventory.
#[derive(Debug, Default)]
struct Stock {
    items: Vec<Item>,
    restocked: i32,
}

impl InventoryService {
    fn with_tenant<R>(&self, tenant: &str, f: impl FnOnce(&mut Stock) -> R) -> R {
        let mut tenants = self
            .tenants
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        f(tenants.entry(tenant.to_owned()).or_default())
    }
}

/// The tenant a request names in its `Tenant` header.
fn tenant(header: Option<&crate::inventory::Tenant>) -> Option<String> {
    header.map(|t| t.id.clone())
}

/// The fault for a request without a `Tenant` header.
fn no_tenant() -> InventoryFault {
    InventoryFault::Soap(Fault::sender("a Tenant header is required"))
}

#[soapws::async_trait]
impl Inventory for InventoryService {
    async fn add_item(
        &self,
        request: AddItem,
        headers: InventoryInputHeaders,
    ) -> Result<AddItemResponse, InventoryFault> {
        let tenant = tenant(headers.tenant.as_ref()).ok_or_else(no_tenant)?;
        let id = self.with_tenant(&tenant, |stock| {
            stock.items.push(request.item);
            stock.items.len()
        });
        Ok(AddItemResponse {
            id: i32::try_from(id).unwrap_or(i32::MAX),
        })
    }

    async fn find_items(
        &self,
        request: FindItems,
        headers: InventoryInputHeaders,
    ) -> Result<(FindItemsResponse, FindItemsOutputHeaders), InventoryFault> {
        let tenant = tenant(headers.tenant.as_ref()).ok_or_else(no_tenant)?;
        let (found, items, restocked) = self.with_tenant(&tenant, |stock| {
            let found = stock
                .items
                .iter()
                .filter(|item| match &request.by_name_or_by_flags {
                    None => true,
                    Some(FindItemsByNameOrByFlags::ByName(name)) => item.name == *name,
                    Some(FindItemsByNameOrByFlags::ByFlags(flags)) => {
                        flags.iter().all(|f| item.flags.contains(f))
                    }
                })
                .cloned()
                .collect();
            (found, stock.items.len(), stock.restocked)
        });
        let audit = Audit {
            server: "soapws inventory".into(),
            items: i32::try_from(items).unwrap_or(i32::MAX),
            restocked,
        };
        Ok((
            FindItemsResponse { item: found },
            FindItemsOutputHeaders {
                audit: Some(audit),
                trace_id: headers.trace_id,
            },
        ))
    }

    async fn transfer(&self, request: TransferRequest) -> Result<TransferResponse, InventoryFault> {
        Ok(TransferResponse {
            accepted: request.item > 0 && request.quantity > 0,
        })
    }

    async fn restock(
        &self,
        request: Restock,
        headers: RestockInputHeaders,
    ) -> Result<(), InventoryFault> {
        let tenant = tenant(headers.tenant.as_ref()).ok_or_else(no_tenant)?;
        self.with_tenant(&tenant, |stock| stock.restocked += request.quantity);
        Ok(())
    }
}

/// The rpc/literal pricing contract: 2.50 a unit; glass is fragile.
#[derive(Debug, Default)]
pub struct PricingService;

#[soapws::async_trait]
impl Pricing for PricingService {
    async fn get_price(&self, request: GetPrice) -> Result<GetPriceResponse, PricingFault> {
        let flags = if request.sku.starts_with("glass") {
            vec![ItemFlags::Fragile]
        } else {
            Vec::new()
        };
        Ok(GetPriceResponse {
            price: f64::from(request.quantity) * 2.5,
            flags: List(flags),
        })
    }
}
