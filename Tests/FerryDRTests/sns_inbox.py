#!/usr/bin/env python3
"""What an SNS topic in moto published, for the alert tests (moto's /moto-api/data.json fails once an RDS
instance exists). `sns_inbox.py subscribe ENDPOINT TOPIC_ARN` subscribes a new SQS queue to the topic and
prints its URL; `sns_inbox.py read ENDPOINT REGION QUEUE_URL` prints (and removes) the messages received
since the last read as JSON, `[{"subject": …, "message": …}]`, oldest first.
"""
import json
import sys

import boto3


def client(service, endpoint, region="us-east-1"):
    return boto3.client(service, endpoint_url=endpoint, region_name=region,
                        aws_access_key_id="testing", aws_secret_access_key="testing")


def subscribe(endpoint, topic_arn):
    region = topic_arn.split(":")[3]
    sqs = client("sqs", endpoint, region)
    name = "inbox-" + topic_arn.rsplit(":", 1)[1]
    url = sqs.create_queue(QueueName=name)["QueueUrl"]
    queue_arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    client("sns", endpoint, region).subscribe(TopicArn=topic_arn, Protocol="sqs", Endpoint=queue_arn)
    print(url)


def read(endpoint, region, url):
    sqs = client("sqs", endpoint, region)
    received = []
    while True:
        batch = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, WaitTimeSeconds=0).get("Messages", [])
        if not batch:
            break
        for message in batch:
            envelope = json.loads(message["Body"])
            received.append({"subject": envelope.get("Subject") or "", "message": envelope["Message"],
                             "timestamp": envelope.get("Timestamp", "")})
            sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])
    print(json.dumps(sorted(received, key=lambda m: m["timestamp"])))


if __name__ == "__main__":
    {"subscribe": subscribe, "read": read}[sys.argv[1]](*sys.argv[2:])
