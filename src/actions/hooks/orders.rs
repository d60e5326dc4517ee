//! Order lines, kept inside the order that holds them: made one by one or as a list (all or
//! none), read, changed and deleted by their own ids.

use super::def;
use crate::actions::write::{check_references, save};
use crate::actions::{Actor, Answer, Input, check_access, load, owner_company, views};
use crate::domain::kind::Kind;
use crate::domain::resource;
use crate::store::{Db, StoredObject};
use crate::wire::fields::FieldFilter;
use crate::wire::{ApiError, ErrorKind, ValidationMessage};
use serde_json::{Value, json};

fn lines_of(order: &mut StoredObject) -> &mut Vec<Value> {
    let lines = order.body.entry("orderLines").or_insert_with(|| json!([]));
    if !lines.is_array() {
        *lines = json!([]);
    }
    match lines {
        Value::Array(lines) => lines,
        _ => unreachable!("made an array above"),
    }
}

/// `POST /order/orderline` (one) or `/list` (many, all or none): each line joins the order it names.
pub async fn create_lines(actor: &Actor, input: Input, many: bool) -> Result<Answer, ApiError> {
    let (order_def, line_def) = (def(Kind::Order)?, def(Kind::OrderLine)?);
    let items = match (input.body, many) {
        (Some(Value::Array(items)), true) => items,
        (Some(item @ Value::Object(_)), false) => vec![item],
        _ => {
            return Err(ApiError::new(ErrorKind::Validation)
                .with_developer_message(match many {
                    true => "POST /order/orderline/list takes a JSON list of order lines.",
                    false => "POST /order/orderline takes one order line as a JSON object.",
                })
                .with_validation(vec![ValidationMessage::field("", "Forventet et JSON-objekt.")]));
        }
    };
    let made = actor
        .transaction(move |db, acting| {
            check_access(order_def, acting, db)?;
            let company = owner_company(order_def, acting);
            let mut made = Vec::with_capacity(items.len());
            for (index, item) in items.iter().enumerate() {
                let order_id = item
                    .get("order")
                    .and_then(|o| o.get("id"))
                    .and_then(Value::as_i64)
                    .ok_or_else(|| {
                        ApiError::new(ErrorKind::Validation)
                            .with_developer_message(format!(
                                "Order line {index} names no order: send \"order\": {{\"id\": …}}."
                            ))
                            .with_validation(vec![ValidationMessage::field("order", "Kan ikke være null.")])
                    })?;
                let mut order = load(order_def, db, company, order_id)?;
                let (mut line, references) = resource::merge_body(line_def, &line_def.template, item)?;
                check_references(db, company, &references)?;
                line.insert("id".into(), json!(acting.sandbox.next_id()));
                line.insert("order".into(), json!({ "id": order_id }));
                lines_of(&mut order).push(Value::Object(line.clone()));
                save(order_def, db, acting, &mut order)?;
                made.push(views::render_line(Some(line_def), &acting.base, &Value::Object(line)));
            }
            Ok::<_, ApiError>(made)
        })
        .await?;
    Ok(match many {
        true => Answer::Values {
            status: 201,
            values: made,
        },
        false => Answer::Value {
            status: 201,
            value: made.into_iter().next().unwrap_or(Value::Null),
        },
    })
}

/// The order holding line `id` in the company, and the line's place in it.
fn order_with_line(db: &Db<'_>, company: i64, id: i64) -> Result<(StoredObject, usize), ApiError> {
    for order in db.objects(Kind::Order.path(), company)? {
        let place = order
            .body
            .get("orderLines")
            .and_then(Value::as_array)
            .and_then(|lines| {
                lines
                    .iter()
                    .position(|l| l.get("id").and_then(Value::as_i64) == Some(id))
            });
        if let Some(place) = place {
            return Ok((order, place));
        }
    }
    Err(ApiError::not_found(format!(
        "No order line with id {id} in the company you act in; GET /v2/order/{{id}}?fields=orderLines(*) shows an order's lines."
    )))
}

/// `GET /order/orderline/{id}`.
pub fn get_line(actor: &Actor, input: Input) -> Result<Answer, ApiError> {
    let (order_def, line_def) = (def(Kind::Order)?, def(Kind::OrderLine)?);
    let fields = FieldFilter::parse(input.query.get("fields").map(String::as_str))?;
    let value = actor.sandbox.store().with(|db| {
        check_access(order_def, actor, db)?;
        let (order, place) = order_with_line(db, owner_company(order_def, actor), input.id)?;
        let line = order
            .body
            .get("orderLines")
            .and_then(|l| l.get(place))
            .cloned()
            .unwrap_or_default();
        Ok::<_, ApiError>(views::render_line(Some(line_def), &actor.base, &line))
    })?;
    Ok(Answer::One {
        status: 200,
        value,
        fields,
        model: &line_def.model,
    })
}

/// `PUT` (the body written onto the line) or `DELETE` of one order line.
pub async fn change_line(actor: &Actor, input: Input, remove: bool) -> Result<Answer, ApiError> {
    let (order_def, line_def) = (def(Kind::Order)?, def(Kind::OrderLine)?);
    let (id, body) = (input.id, input.body.unwrap_or_else(|| json!({})));
    let changed = actor
        .transaction(move |db, acting| {
            check_access(order_def, acting, db)?;
            let company = owner_company(order_def, acting);
            let (mut order, place) = order_with_line(db, company, id)?;
            let line = lines_of(&mut order)
                .get(place)
                .and_then(Value::as_object)
                .cloned()
                .unwrap_or_default();
            let shown = if remove {
                lines_of(&mut order).remove(place);
                Value::Null
            } else {
                let (mut merged, references) = resource::merge_body(line_def, &line, &body)?;
                check_references(db, company, &references)?;
                merged.insert("id".into(), json!(id));
                // A line belongs to the order that holds it, whatever the body says.
                merged.insert("order".into(), json!({ "id": order.id }));
                let merged = Value::Object(merged);
                lines_of(&mut order)[place] = merged.clone();
                views::render_line(Some(line_def), &acting.base, &merged)
            };
            save(order_def, db, acting, &mut order)?;
            Ok::<_, ApiError>(shown)
        })
        .await?;
    Ok(match remove {
        true => Answer::NoContent,
        false => Answer::Value {
            status: 200,
            value: changed,
        },
    })
}
