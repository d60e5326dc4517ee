#!/usr/bin/env bash
# Mints a session token and calls whoAmI with curl and jq, step by step as Tripletex's own
# authentication example does, against any API host (the sandbox or Tripletex).
#
# Settings come from the environment:
#   API_HOST         the host before /v2, e.g. http://127.0.0.1:8080 (or a sandbox's baseUrl)
#   CONSUMER_TOKEN   the integration's consumer token
#   EMPLOYEE_TOKEN   the key's employee token (GET /_sandbox/credentials lists usable pairs)
#   EXPIRATION_DATE  YYYY-MM-DD, after today (the session dies at 00:00 Europe/Oslo that day)
#   COMPANY_ID       0 (default) for the key's own company, or a client's id for an office key
set -u

command -v jq >/dev/null || { echo "error: jq is required"; exit 1; }

auth_response=$(
  curl "$API_HOST/v2/token/session/:create?consumerToken=$CONSUMER_TOKEN&employeeToken=$EMPLOYEE_TOKEN&expirationDate=$EXPIRATION_DATE" \
    --request PUT \
    --silent
)
session_token=$(echo "$auth_response" | jq --raw-output '.value.token // empty')

# Any non-empty token will do: production tokens carry no dash, the test environment's start
# with "test-" (the old example's check for a dash refused the former).
if [[ -z "$session_token" ]]; then
  echo "Error generating session token"
  echo "$auth_response"
  exit 1
fi

# GNU base64 wraps its output at 76 columns, which would split the header; keep it on one line.
basic_auth=$(echo -n "${COMPANY_ID:-0}:$session_token" | base64 | tr -d '\n')

curl "$API_HOST/v2/token/session/%3EwhoAmI" \
  --header "Authorization: Basic $basic_auth" \
  --silent
