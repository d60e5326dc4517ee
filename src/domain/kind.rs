//! The resource kinds the emulator's code names because they have behaviour of their own
//! (customers, orders, invoices, vouchers, employees, …), as one table: a misspelt kind does not
//! compile, and whatever needs the set of kinds walks [`Kind::ALL`]. The other resources of the
//! document are served by the table-driven engine and stay data (`resource::ResourceDef`).

use std::fmt;

/// Where a kind's objects are kept, and so which part of the emulator serves it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Home {
    /// A resource of the catalogue (`fixtures/resources.json` or the generated table), kept as
    /// objects (postings: as rows of their voucher) and served by the resource engine.
    Catalogue,
    /// The access model (companies and their people), served by hand-written handlers.
    AccessModel,
}

/// Declares [`Kind`] from one table: each kind's variant, its URL path below `/v2`, the model the
/// official document names for it, and where its objects are kept.
macro_rules! kinds {
    ($($kind:ident => $path:literal, $model:literal, $home:ident;)*) => {
        /// A resource kind with behaviour of its own.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum Kind { $($kind,)* }

        impl Kind {
            /// Every kind, in table order.
            pub const ALL: &[Kind] = &[$(Self::$kind,)*];

            /// The URL path below `/v2`, which is also the name its objects are stored under.
            pub const fn path(self) -> &'static str {
                match self { $(Self::$kind => $path,)* }
            }

            /// The official document's model of the kind.
            pub const fn model(self) -> &'static str {
                match self { $(Self::$kind => $model,)* }
            }

            /// Where the kind's objects are kept.
            pub const fn home(self) -> Home {
                match self { $(Self::$kind => Home::$home,)* }
            }

            /// The kind a resource path names, if it is one with behaviour of its own. Called
            /// where a path comes in (the catalogue as it loads, a reference's target, a task
            /// file); inside, code matches on the kind.
            pub fn from_path(path: &str) -> Option<Kind> {
                match path { $($path => Some(Self::$kind),)* _ => None }
            }
        }
    };
}

kinds! {
    Company => "company", "Company", AccessModel;
    Employee => "employee", "Employee", AccessModel;
    ConsumerToken => "token/consumer", "ConsumerToken", AccessModel;
    EmployeeToken => "token/employee", "EmployeeToken", AccessModel;
    Customer => "customer", "Customer", Catalogue;
    Supplier => "supplier", "Supplier", Catalogue;
    Contact => "contact", "Contact", Catalogue;
    Product => "product", "Product", Catalogue;
    Department => "department", "Department", Catalogue;
    Country => "country", "Country", Catalogue;
    Currency => "currency", "Currency", Catalogue;
    Project => "project", "Project", Catalogue;
    Activity => "activity", "Activity", Catalogue;
    ProjectActivity => "project/projectActivity", "ProjectActivity", Catalogue;
    TimesheetEntry => "timesheet/entry", "TimesheetEntry", Catalogue;
    Order => "order", "Order", Catalogue;
    OrderLine => "order/orderline", "OrderLine", Catalogue;
    Invoice => "invoice", "Invoice", Catalogue;
    InvoicePaymentType => "invoice/paymentType", "PaymentType", Catalogue;
    Reminder => "reminder", "Reminder", Catalogue;
    SupplierInvoice => "supplierInvoice", "SupplierInvoice", Catalogue;
    IncomingInvoice => "incomingInvoice", "IncomingInvoiceAggregateExternalRead", Catalogue;
    PaymentTypeOut => "ledger/paymentTypeOut", "PaymentTypeOut", Catalogue;
    Account => "ledger/account", "Account", Catalogue;
    VatType => "ledger/vatType", "VatType", Catalogue;
    Voucher => "ledger/voucher", "Voucher", Catalogue;
    VoucherType => "ledger/voucherType", "VoucherType", Catalogue;
    Posting => "ledger/posting", "Posting", Catalogue;
    AccountingPeriod => "ledger/accountingPeriod", "AccountingPeriod", Catalogue;
    DimensionName => "ledger/accountingDimensionName", "AccountingDimensionName", Catalogue;
    DimensionValue => "ledger/accountingDimensionValue", "AccountingDimensionValue", Catalogue;
    BalanceSheet => "balanceSheet", "BalanceSheetAccount", Catalogue;
    Ledger => "ledger", "LedgerAccount", Catalogue;
    Employment => "employee/employment", "Employment", Catalogue;
    EmploymentDetails => "employee/employment/details", "EmploymentDetails", Catalogue;
    EmployeeCategory => "employee/category", "EmployeeCategory", Catalogue;
    SalaryTransaction => "salary/transaction", "SalaryTransaction", Catalogue;
    TravelExpense => "travelExpense", "TravelExpense", Catalogue;
    TravelCost => "travelExpense/cost", "Cost", Catalogue;
    TravelCostCategory => "travelExpense/costCategory", "TravelCostCategory", Catalogue;
    TravelPaymentType => "travelExpense/paymentType", "TravelPaymentType", Catalogue;
    PerDiemCompensation => "travelExpense/perDiemCompensation", "PerDiemCompensation", Catalogue;
    MileageAllowance => "travelExpense/mileageAllowance", "MileageAllowance", Catalogue;
    BankStatement => "bank/statement", "BankStatement", Catalogue;
    BankTransaction => "bank/statement/transaction", "BankTransaction", Catalogue;
    BankReconciliation => "bank/reconciliation", "BankReconciliation", Catalogue;
    BankMatch => "bank/reconciliation/match", "BankReconciliationMatch", Catalogue;
    EventSubscription => "event/subscription", "Subscription", Catalogue;
}

impl fmt::Display for Kind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.path())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{resource, table};

    /// The table above and the files agree: each kind of the catalogue has its resource there
    /// with the model the kind names, each kind of the access model has none (its handlers serve
    /// it), and every kind has an operation of the document to be served by.
    #[test]
    fn every_kind_has_its_model_and_a_route() {
        let routes = &table::table().unwrap().routes;
        for &kind in Kind::ALL {
            let def = resource::of(kind);
            match kind.home() {
                Home::Catalogue => {
                    let def = def.unwrap_or_else(|| panic!("{kind} is not in the catalogue"));
                    assert_eq!((def.path.as_str(), def.model.as_str()), (kind.path(), kind.model()));
                }
                Home::AccessModel => {
                    assert!(
                        def.is_none() && resource::find(kind.path()).is_none(),
                        "{kind} is in the catalogue"
                    );
                }
            }
            let collection = format!("/{kind}");
            let served = routes.iter().any(|r| {
                r.resource.as_deref() == Some(kind.path())
                    || r.path == collection
                    || r.path
                        .strip_prefix(&collection)
                        .is_some_and(|rest| rest.starts_with('/'))
            });
            assert!(served, "no operation of the document serves {kind}");
        }
    }

    #[test]
    fn the_catalogue_knows_each_resource_of_a_kind_as_that_kind() {
        for def in resource::catalogue().unwrap() {
            assert_eq!(def.kind, Kind::from_path(&def.path), "{}", def.path);
        }
    }

    #[test]
    fn every_kind_is_found_by_its_own_path_and_no_other() {
        for &kind in Kind::ALL {
            assert_eq!(Kind::from_path(kind.path()), Some(kind), "{kind:?}");
        }
        let mut paths: Vec<&str> = Kind::ALL.iter().map(|k| k.path()).collect();
        paths.sort_unstable();
        paths.dedup();
        assert_eq!(paths.len(), Kind::ALL.len(), "two kinds share a path");
        assert_eq!(Kind::from_path("Customer"), None);
        assert_eq!(Kind::from_path("customer/"), None);
    }
}
