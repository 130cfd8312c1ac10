"""A third-party client of the local Lambda: boto3, as a user would write it.

Run by tests/lambda/third_party_clients_test.ts with AWS_ENDPOINT_URL set to the
local Lambda and dummy keys. Prints one JSON object of what it saw; the Deno test
checks it. Exits 3 when boto3 is missing (the test then skips with a message).
"""

import base64
import json
import sys

try:
    import boto3
    from botocore.config import Config
except ImportError:
    sys.exit(3)

config = Config(retries={"max_attempts": 1, "mode": "standard"})
lam = boto3.client("lambda", config=config)
logs = boto3.client("logs", config=config)
seen = {"boto3": boto3.__version__}

# Every function, through the paginator (the local Lambda holds more than a page).
names = []
pages = 0
for page in lam.get_paginator("list_functions").paginate():
    pages += 1
    names += [f["FunctionName"] for f in page["Functions"]]
seen["list"] = {"pages": pages, "names": names}

got = lam.get_function(FunctionName="inception-v4")
seen["get"] = {
    "memory": got["Configuration"]["MemorySize"],
    "state": got["Configuration"]["State"],
}

# An update, then the documented waiter until LastUpdateStatus is Successful.
lam.update_function_configuration(FunctionName="inception-v4", MemorySize=2048)
status_after_update = lam.get_function_configuration(FunctionName="inception-v4")[
    "LastUpdateStatus"
]
lam.get_waiter("function_updated_v2").wait(
    FunctionName="inception-v4", WaiterConfig={"Delay": 1, "MaxAttempts": 30}
)
after = lam.get_function_configuration(FunctionName="inception-v4")
seen["update"] = {
    "statusRightAfter": status_after_update,
    "statusAfterWait": after["LastUpdateStatus"],
    "memory": after["MemorySize"],
}

# Our buffer's batch payload, with the log tail.
r = lam.invoke(
    FunctionName="inception-v4",
    Payload=json.dumps({"batch_id": 0, "requests": [1, 2, 3]}).encode(),
    LogType="Tail",
)
seen["invoke"] = {
    "status": r["StatusCode"],
    "requestId": r["ResponseMetadata"]["RequestId"],
    "functionError": r.get("FunctionError"),
    "payload": json.loads(r["Payload"].read()),
    "tail": base64.b64decode(r["LogResult"]).decode(),
}

# buffer.py's payload: the batch size as BS, the answer a number (ms).
r = lam.invoke(FunctionName="inception-v4", Payload=json.dumps({"BS": 4}).encode(), LogType="Tail")
seen["invokeBS"] = {
    "payload": json.loads(r["Payload"].read()),
    "tail": base64.b64decode(r["LogResult"]).decode(),
}

# CloudWatch Logs through the paginators, a page of 2 events at a time.
group = "/aws/lambda/inception-v4"
streams = []
for page in logs.get_paginator("describe_log_streams").paginate(
    logGroupName=group, PaginationConfig={"PageSize": 1}
):
    streams += [s["logStreamName"] for s in page["logStreams"]]
reports = []
pages = 0
for page in logs.get_paginator("filter_log_events").paginate(
    logGroupName=group, filterPattern="REPORT", PaginationConfig={"PageSize": 2}
):
    pages += 1
    reports += [e["message"] for e in page["events"]]
seen["logs"] = {"streams": streams, "reports": reports, "filterPages": pages}

print(json.dumps(seen))
