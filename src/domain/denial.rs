//! A decision that said no, as data: which rule, how it answers, why, and how to fix it in
//! Tripletex's UI. The same denial renders as an API error, a journal line or a console message.

/// How a denial answers on the wire, in the access model's words.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DenialKind {
    /// 401/3000: the caller is not logged in.
    Unauthorized,
    /// 403/9000: logged in, but not allowed.
    Forbidden,
    /// 422/18000: a request value is not acceptable.
    Invalid,
    /// 422/15000: a required query argument is missing.
    MissingArgument,
    /// 409/8000: the object changed since the caller read it.
    Conflict,
    /// 404/6000: no such object where the caller looks.
    NotFound,
}

/// One field-level complaint of a denial.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldProblem {
    pub field: String,
    pub message: String,
    /// Query arguments are named `arg:<name>` by the real API; plain fields are not.
    pub is_argument: bool,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Denial {
    pub kind: DenialKind,
    /// The name of the rule that said no ([`Rule::name`]: the domain function that decides it).
    pub rule: &'static str,
    /// What went wrong, for a person reading the error.
    pub reason: String,
    /// The fix, in the product's own words (menu, checkbox, role), or the API call to make.
    pub remedy: Option<String>,
    pub fields: Vec<FieldProblem>,
    /// The reason and remedy in Norwegian, as the training console shows them on its Norwegian
    /// pages (boxed: most denials carry none).
    pub norwegian: Option<Box<(String, Option<String>)>>,
}

impl Denial {
    pub fn new(kind: DenialKind, rule: Rule, reason: impl Into<String>) -> Self {
        Self {
            kind,
            rule: rule.name(),
            reason: reason.into(),
            remedy: None,
            fields: Vec::new(),
            norwegian: None,
        }
    }

    /// The reason and remedy in Norwegian, in the words of Tripletex's own screens.
    pub fn norwegian(mut self, reason: impl Into<String>, remedy: impl Into<String>) -> Self {
        self.norwegian = Some(Box::new((reason.into(), Some(remedy.into()))));
        self
    }

    pub fn remedy(mut self, remedy: impl Into<String>) -> Self {
        self.remedy = Some(remedy.into());
        self
    }

    pub fn argument(mut self, name: &str, message: &str) -> Self {
        self.fields.push(FieldProblem {
            field: name.to_owned(),
            message: message.to_owned(),
            is_argument: true,
        });
        self
    }

    pub fn field(mut self, name: &str, message: &str) -> Self {
        self.fields.push(FieldProblem {
            field: name.to_owned(),
            message: message.to_owned(),
            is_argument: false,
        });
        self
    }

    /// A complaint about the whole object, naming no field (`field` is null on the wire).
    pub fn unnamed(mut self, message: &str) -> Self {
        self.fields.push(FieldProblem {
            field: String::new(),
            message: message.to_owned(),
            is_argument: false,
        });
        self
    }

    /// The text that goes in `developerMessage`: reason, fix and the rule's name.
    pub fn developer_message(&self) -> String {
        match &self.remedy {
            Some(remedy) => format!("{} Fix: {} (rule: {})", self.reason, remedy, self.rule),
            None => format!("{} (rule: {})", self.reason, self.rule),
        }
    }
}

/// Declares [`Rule`] from one table: each rule's variant and the name a refusal shows (in the
/// error's `developerMessage`, the journal and the console), the name of the domain function
/// that decides it.
macro_rules! rules {
    ($($rule:ident => $name:literal;)*) => {
        /// Every rule a refusal can name.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum Rule { $($rule,)* }

        impl Rule {
            /// Every rule, in table order.
            pub const ALL: &[Rule] = &[$(Self::$rule,)*];

            /// The rule's name as refusals show it.
            pub fn name(self) -> &'static str {
                match self { $(Self::$rule => $name,)* }
            }
        }
    };
}

rules! {
    Unreadable => "unreadable";
    RateOf => "rate_of";
    EmployeeDenial => "employee_denial";
    ProjectManagerIsAllowed => "project_manager_is_allowed";
    DetailsDateIsFree => "details_date_is_free";
    DetailsDateIsWithinEmployment => "details_date_is_within_employment";
    AccessAllows => "access_allows";
    MayGrantEntitlements => "may_grant_entitlements";
    MayGrantClientEntitlements => "may_grant_client_entitlements";
    MayReadEntitlementsOfOthers => "may_read_entitlements_of_others";
    MayCreateEmployeeTokens => "may_create_employee_tokens";
    SubscriptionEventIsKnown => "subscription_event_is_known";
    SubscriptionTargetIsAllowed => "subscription_target_is_allowed";
    SubscriptionAuthHeaderIsSendable => "subscription_auth_header_is_sendable";
    InvoiceHasOrders => "invoice_has_orders";
    CompanyHasBankAccount => "company_has_bank_account";
    OrderCanBeInvoiced => "order_can_be_invoiced";
    DueDateExists => "due_date_exists";
    PaymentTypeExists => "payment_type_exists";
    PaidInInvoiceCurrency => "paid_in_invoice_currency";
    ReminderCanBeMade => "reminder_can_be_made";
    InvoiceCanBeCredited => "invoice_can_be_credited";
    SendTypeIsKnown => "send_type_is_known";
    RowsAreNumbered => "rows_are_numbered";
    PostingsHaveAccounts => "postings_have_accounts";
    FreeDimensionIndex => "free_dimension_index";
    SalaryRunHasPayslips => "salary_run_has_payslips";
    VoucherCanBeReversed => "voucher_can_be_reversed";
    ActivityIsNewToProject => "activity_is_new_to_project";
    ValueIsFree => "value_is_free";
    RequiredFieldsArePresent => "required_fields_are_present";
    VersionIsCurrent => "version_is_current";
    VisibleIn => "visible_in";
    ReferencesExist => "references_exist";
    NumbersAreLeft => "numbers_are_left";
    PostingsBalance => "postings_balance";
    PostingsKeepTheirAccountsVatLock => "postings_keep_their_accounts_vat_lock";
    BodyIsAnObject => "body_is_an_object";
    BodyFieldsAreKnownAndTyped => "body_fields_are_known_and_typed";
    SessionArgumentsAreComplete => "session_arguments_are_complete";
    ExpirationDateIsADate => "expiration_date_is_a_date";
    ConsumerTokenIsKnown => "consumer_token_is_known";
    EmployeeTokenIsCurrent => "employee_token_is_current";
    KeyMatchesConsumer => "key_matches_consumer";
    KeyOwnerHasSystemAccess => "key_owner_has_system_access";
    ConsumerMayCreateEmployeeTokens => "consumer_may_create_employee_tokens";
    CompanyHasIntegrations => "company_has_integrations";
    SessionIsAlive => "session_is_alive";
    CompanyContextIsAllowed => "company_context_is_allowed";
    ClientAllowsApiAccess => "client_allows_api_access";
    OfficeKeyInOwnCompanyIsLimited => "office_key_in_own_company_is_limited";
    CompanyUpdateIsForTheActingCompany => "company_update_is_for_the_acting_company";
    CompanyOwnedKeysBelongToOffices => "company_owned_keys_belong_to_offices";
    CompanyIsAClientOfTheOffice => "company_is_a_client_of_the_office";
    CompanyIsTheActingCompany => "company_is_the_acting_company";
    SalaryTypesAreTripletexOwn => "salary_types_are_tripletex_own";
    TravelExpenseDelivered => "travel_expense_delivered";
    TravelExpenseApproved => "travel_expense_approved";
    TravelExpenseUndelivered => "travel_expense_undelivered";
    TravelExpenseUnapproved => "travel_expense_unapproved";
    ActorBelongsToCompany => "actor_belongs_to_company";
    ActorMayChangeSubscription => "actor_may_change_subscription";
    PackageAllowsIntegrations => "package_allows_integrations";
    SalesModulesAreOrderedInTripletex => "sales_modules_are_ordered_in_tripletex";
    IntegrationsAreActive => "integrations_are_active";
    ActorIsUserAdministrator => "actor_is_user_administrator";
    TermsAreAccepted => "terms_are_accepted";
    ApplicationIsRegistered => "application_is_registered";
    OfficeKeyIsAllowed => "office_key_is_allowed";
    ActorMayChangeClientSettings => "actor_may_change_client_settings";
    ActorMayLinkOfficeKeys => "actor_may_link_office_keys";
    KeyIsAnOfficeKey => "key_is_an_office_key";
    KeyBelongsToTheClientsOffice => "key_belongs_to_the_clients_office";
}

#[cfg(test)]
mod tests {
    use super::Rule;

    #[test]
    fn each_rule_has_its_own_snake_case_name() {
        let mut names: Vec<&str> = Rule::ALL.iter().map(|r| r.name()).collect();
        assert!(
            names
                .iter()
                .all(|n| n.chars().all(|c| c.is_ascii_lowercase() || c == '_'))
        );
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), Rule::ALL.len(), "two rules share a name");
    }
}
