//! A file sent as `multipart/form-data` (a bank statement, an attachment): the part named
//! `file`, its name and its bytes, or the 400 saying what the request lacks.

use crate::wire::{ApiError, ErrorKind};
use bytes::Bytes;

/// One uploaded file.
#[derive(Debug, Clone)]
pub struct Upload {
    pub file_name: String,
    pub bytes: Bytes,
}

fn refused(message: String) -> ApiError {
    ApiError::new(ErrorKind::BadRequest).with_developer_message(message)
}

/// The part named `file` of a `multipart/form-data` body with the `content_type` header given.
pub async fn file_of(operation: &str, content_type: &str, body: Bytes) -> Result<Upload, ApiError> {
    let boundary = multer::parse_boundary(content_type).map_err(|_| {
        refused(format!(
            "{operation} takes the file as multipart/form-data with a boundary, not {:?}.",
            content_type
        ))
    })?;
    let stream = futures_util::stream::once(async move { Ok::<_, std::convert::Infallible>(body) });
    let mut form = multer::Multipart::new(stream, boundary);
    loop {
        let field = form
            .next_field()
            .await
            .map_err(|e| refused(format!("The multipart body of {operation} cannot be read: {e}.")))?;
        let Some(field) = field else {
            return Err(refused(format!(
                "{operation} needs the file as a multipart part named \"file\"; the body has none."
            )));
        };
        if field.name() != Some("file") {
            continue;
        }
        let file_name = field.file_name().unwrap_or_default().to_owned();
        let bytes = field
            .bytes()
            .await
            .map_err(|e| refused(format!("The file part of {operation} cannot be read: {e}.")))?;
        return Ok(Upload { file_name, bytes });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn form(part: &str) -> Bytes {
        Bytes::from(format!(
            "--XB\r\nContent-Disposition: form-data; name=\"note\"\r\n\r\nhei\r\n--XB\r\n{part}\r\n--XB--\r\n"
        ))
    }

    fn read(content_type: &str, body: Bytes) -> Result<Upload, ApiError> {
        actix_web::rt::System::new().block_on(file_of("POST /x", content_type, body))
    }

    #[test]
    fn the_file_part_is_found_among_others() {
        let body = form("Content-Disposition: form-data; name=\"file\"; filename=\"bank.csv\"\r\n\r\na;b\n1;2");
        let upload = read("multipart/form-data; boundary=XB", body).unwrap();
        assert_eq!(
            (upload.file_name.as_str(), &upload.bytes[..]),
            ("bank.csv", &b"a;b\n1;2"[..])
        );
    }

    #[test]
    fn a_form_without_a_file_or_a_boundary_is_refused() {
        let body = form("Content-Disposition: form-data; name=\"other\"\r\n\r\nx");
        let missing = read("multipart/form-data; boundary=XB", body).unwrap_err();
        let said = missing.developer_message.as_deref().unwrap_or_default();
        assert!(said.contains("named \"file\""), "{said}");
        assert!(read("multipart/form-data", Bytes::new()).is_err());
    }
}
