//! Wire views of domain objects in the official schema's field names, with host-relative `url`s.
//! Every field the schema has and the sandbox does not model is rendered as null.

use crate::domain::model::{Company, Integration, Person};
use actix_web::HttpRequest;
use serde_json::{Value, json};

/// The host-relative API base of this request, e.g. `127.0.0.1:8080/v2`, as real `url` fields are
/// (the host is the emulator's own, see [`crate::http::origin`]).
pub fn api_base(req: &HttpRequest) -> String {
    let host = crate::http::origin::authority(req);
    match req.match_info().get(crate::http::SANDBOX_ID) {
        Some(id) => format!("{host}/sb/{id}/v2"),
        None => format!("{host}/v2"),
    }
}

pub fn stub(base: &str, path: &str, id: i64) -> Value {
    json!({ "id": id, "url": format!("{base}/{path}/{id}") })
}

pub fn company(base: &str, company: &Company) -> Value {
    json!({
        "id": company.id,
        "version": 1,
        "url": format!("{base}/company/{}", company.id),
        "name": company.name,
        "displayName": company.name,
        "startDate": null,
        "endDate": null,
        "organizationNumber": company.organization_number,
        "email": company.email,
        "phoneNumber": "",
        "phoneNumberMobile": "",
        "faxNumber": "",
        "address": null,
        "type": company.company_type,
        "currency": stub(base, "currency", 1),
        "accountantOrSimilar": company.kind == crate::domain::model::CompanyKind::Office,
        "companyMigration": "NONE",
        "invoiceShowDeliveryDate": false,
        "changes": [],
    })
}

/// A client as `withLoginAccess` lists it: a company plus `customerCompanyId` (the same id).
pub fn client(base: &str, company: &Company) -> Value {
    let mut value = self::company(base, company);
    if let Some(object) = value.as_object_mut() {
        object.insert("customerCompanyId".to_owned(), json!(company.id));
    }
    value
}

/// Norway's id in the country list (seeded as Tripletex numbers it).
pub const NORWAY: i64 = 161;

pub fn employee(base: &str, person: &Person) -> Value {
    json!({
        "id": person.id,
        "version": 1,
        "url": format!("{base}/employee/{}", person.id),
        "firstName": person.first_name,
        "lastName": person.last_name,
        "displayName": person.display_name(),
        "employeeNumber": "",
        "dateOfBirth": null,
        "email": person.email,
        // Norway, as every recorded employee shows.
        "phoneNumberMobileCountry": stub(base, "country", NORWAY),
        "phoneNumberMobile": "",
        "phoneNumberHome": "",
        "phoneNumberWork": "",
        "nationalIdentityNumber": "",
        "dnumber": "",
        "internationalId": {"intAmeldingType": null, "country": null, "number": ""},
        "bankAccountNumber": "",
        "iban": "",
        "bic": "",
        "creditorBankCountryId": 0,
        "usesAbroadPayment": false,
        "userType": null,
        "allowInformationRegistration": !person.is_contact,
        "isContact": person.is_contact,
        "isProxy": person.is_proxy,
        "comments": "",
        "address": null,
        "department": null,
        "employments": [],
        "holidayAllowanceEarned": {"year": 0, "amount": 0, "basis": 0, "amountExtraHolidayWeek": 0},
        "employeeCategory": null,
        "isAuthProjectOverviewURL": false,
        "pictureId": 0,
        "companyId": person.company_id,
        "changes": [],
    })
}

pub fn api_consumer(base: &str, integration: &Integration) -> Value {
    json!({
        "id": integration.id,
        "version": 1,
        "url": format!("{base}/token/consumer/{}", integration.id),
        "consumerName": integration.application_name,
        "emails": integration.emails,
        "changes": [],
    })
}
