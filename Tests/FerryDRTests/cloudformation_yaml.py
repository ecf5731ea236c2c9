"""Reads CloudFormation templates and plain YAML alike, for the deploy and dead-man's-switch tests: a PyYAML
loader that turns CloudFormation's short-form tags into their long form (`!Sub x` -> `{"Fn::Sub": x}`,
`!Ref x` -> `{"Ref": x}`). `load(path)` returns the file's documents."""
import yaml


class CloudFormationLoader(yaml.SafeLoader):
    pass


def _tagged(loader, suffix, node):
    name = "Ref" if suffix == "Ref" else "Fn::" + suffix
    if isinstance(node, yaml.ScalarNode):
        value = loader.construct_scalar(node)
    elif isinstance(node, yaml.SequenceNode):
        value = loader.construct_sequence(node, deep=True)
    else:
        value = loader.construct_mapping(node, deep=True)
    return {name: value}


CloudFormationLoader.add_multi_constructor("!", _tagged)


def load(path):
    with open(path, encoding="utf-8") as f:
        return [d for d in yaml.load_all(f, Loader=CloudFormationLoader) if d is not None]
