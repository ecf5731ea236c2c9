#!/usr/bin/env python3
"""CloudWatch in moto, for the dead-man's-switch tests.

`cloudwatch_check.py metrics ENDPOINT REGION` prints, as JSON, every metric of the namespace Ferry in REGION
with its dimensions and the largest value published in the last hour (GetMetricData), sorted.

`cloudwatch_check.py alarms ENDPOINT REGION TEMPLATE TOPIC_ARN NAME_PREFIX` creates the template's
AWS::CloudWatch::Alarm resources of the DR stack in REGION with PutMetricAlarm, exactly as the template gives
their properties (botocore checks them against CloudWatch's model: a wrong name, type or value is refused),
with !Ref AlertTopic as TOPIC_ARN and ${NamePrefix} as NAME_PREFIX, then prints what DescribeAlarms returns.
"""
import datetime
import json
import sys

import boto3

from cloudformation_yaml import load


def client(endpoint, region):
    return boto3.client("cloudwatch", endpoint_url=endpoint, region_name=region,
                        aws_access_key_id="testing", aws_secret_access_key="testing")


def metrics(endpoint, region):
    cloudwatch = client(endpoint, region)
    found = cloudwatch.list_metrics(Namespace="Ferry")["Metrics"]
    now = datetime.datetime.now(datetime.timezone.utc)
    result = []
    for index, metric in enumerate(found):
        data = cloudwatch.get_metric_data(
            MetricDataQueries=[{"Id": f"m{index}", "MetricStat": {
                "Metric": {"Namespace": "Ferry", "MetricName": metric["MetricName"], "Dimensions": metric.get("Dimensions", [])},
                "Period": 60, "Stat": "Maximum"}}],
            StartTime=now - datetime.timedelta(hours=1), EndTime=now + datetime.timedelta(minutes=5))
        values = data["MetricDataResults"][0]["Values"]
        result.append({"name": metric["MetricName"],
                       "dimensions": {d["Name"]: d["Value"] for d in metric.get("Dimensions", [])},
                       "max": max(values) if values else None})
    print(json.dumps(sorted(result, key=lambda m: (m["name"], sorted(m["dimensions"].items())))))


def resolve(value, topic_arn, prefix):
    if isinstance(value, dict):
        if value.keys() == {"Ref"}:
            if value["Ref"] != "AlertTopic":
                raise SystemExit(f"an alarm refers to {value['Ref']}, which this check does not resolve")
            return topic_arn
        if value.keys() == {"Fn::Sub"} and isinstance(value["Fn::Sub"], str):
            return value["Fn::Sub"].replace("${NamePrefix}", prefix)
        return {key: resolve(item, topic_arn, prefix) for key, item in value.items()}
    if isinstance(value, list):
        return [resolve(item, topic_arn, prefix) for item in value]
    return value


def alarms(endpoint, region, template, topic_arn, prefix):
    resources = load(template)[0]["Resources"]
    cloudwatch = client(endpoint, region)
    for resource in resources.values():
        if resource["Type"] != "AWS::CloudWatch::Alarm":
            continue
        if resource.get("Condition") != "IsDr":
            raise SystemExit("an alarm outside the DR stack")
        cloudwatch.put_metric_alarm(**resolve(resource["Properties"], topic_arn, prefix))
    described = cloudwatch.describe_alarms(AlarmNamePrefix=prefix + "-")["MetricAlarms"]
    print(json.dumps(sorted(({
        "name": a["AlarmName"], "namespace": a["Namespace"], "metric": a["MetricName"],
        "treat_missing_data": a.get("TreatMissingData"), "alarm_actions": a["AlarmActions"], "ok_actions": a["OKActions"],
        "comparison": a["ComparisonOperator"], "threshold": a["Threshold"], "statistic": a.get("Statistic"),
    } for a in described), key=lambda a: a["name"])))


if __name__ == "__main__":
    if sys.argv[1] == "metrics":
        metrics(*sys.argv[2:4])
    elif sys.argv[1] == "alarms":
        alarms(*sys.argv[2:7])
    else:
        raise SystemExit(__doc__)
