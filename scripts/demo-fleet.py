#!/usr/bin/env python3
"""Creates the demo's sample fleet in the moto server and prints a ferry.yaml for it.

  demo-fleet.py ENDPOINT > ferry.yaml

Primary region us-east-1: two encrypted PostgreSQL instances (orders-db, users-db, the second selected by
its dr=true tag), an Aurora PostgreSQL cluster (billing-cluster) and an instance Ferry must not touch
(scratch-db). DR region us-west-2: the KMS key the copies are encrypted with. An SNS topic for alerts.
"""
import sys

import boto3

endpoint = sys.argv[1]


def client(service: str, region: str):
    return boto3.client(service, region_name=region, endpoint_url=endpoint,
                        aws_access_key_id="demo", aws_secret_access_key="demo")


rds = client("rds", "us-east-1")
source_key = client("kms", "us-east-1").create_key(Description="demo source key")["KeyMetadata"]["Arn"]
for name, tags in [("orders-db", []), ("users-db", [{"Key": "dr", "Value": "true"}]), ("scratch-db", [])]:
    rds.create_db_instance(DBInstanceIdentifier=name, DBInstanceClass="db.t3.micro", Engine="postgres",
                           AllocatedStorage=20, MasterUsername="demo", MasterUserPassword="demo-password-1",
                           StorageEncrypted=True, KmsKeyId=source_key, Tags=tags)
rds.create_db_cluster(DBClusterIdentifier="billing-cluster", Engine="aurora-postgresql",
                      MasterUsername="demo", MasterUserPassword="demo-password-1")
dr_key = client("kms", "us-west-2").create_key(Description="ferry DR key")["KeyMetadata"]["Arn"]
topic = client("sns", "us-east-1").create_topic(Name="ferry-alerts")["TopicArn"]

print(f"""# The demo fleet in the moto server at {endpoint}.
primary_region: us-east-1
dr_region: us-west-2
dr_kms_key: {dr_key}
alert_topic_arn: {topic}
endpoints: {{rds: "{endpoint}", kms: "{endpoint}", sns: "{endpoint}", sts: "{endpoint}", monitoring: "{endpoint}"}}
defaults:
  schedule: "0 */6 * * *"
  time_zone: UTC
  retention: {{days: 7, count: 14}}
  rpo: 26h
  restore:
    instance_class: db.t3.micro
databases:
  - identifier: orders-db
    kind: instance
    schedule: "0 * * * *"
    rpo: 90m
  - tagged: {{dr: "true"}}
  - identifier: billing-cluster
    kind: cluster
    restore:
      instance_class: db.r6g.large
""")
