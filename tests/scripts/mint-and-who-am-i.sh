#!/usr/bin/env bash
# Mints a session token and calls whoAmI with curl and jq, step by step as Tripletex's own
# authentication example does, against any API host (the sandbox or Tripletex).
# Settings come from the environment: API_HOST, CONSUMER_TOKEN, EMPLOYEE_TOKEN, COMPANY_ID (0 = own),
# EXPIRATION_DATE (YYYY-MM-DD, after today).
set -u

command -v jq >/dev/null || { echo "error: jq is required"; exit 1; }

auth_response=$(
  curl "$API_HOST/v2/token/session/:create?consumerToken=$CONSUMER_TOKEN&employeeToken=$EMPLOYEE_TOKEN&expirationDate=$EXPIRATION_DATE" \
    --request PUT \
    --silent
)
session_token=$(echo "$auth_response" | jq --raw-output .value.token)

if [[ "$session_token" != *"-"* ]]; then
  echo "Error generating session token"
  echo "$auth_response"
  exit 1
fi

# GNU base64 wraps its output at 76 columns, which would split the header; keep it on one line.
basic_auth=$(echo -n "${COMPANY_ID:-0}:$session_token" | base64 | tr -d '\n')

curl "$API_HOST/v2/token/session/%3EwhoAmI" \
  --header "Authorization: Basic $basic_auth" \
  --silent
