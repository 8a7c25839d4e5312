from gate.model import Category, Finding, Severity


def huge_drift() -> Finding:
    """The drift of a big ConfigMap: 4,000 changed keys, about 500,000 characters in one
    message (one such became a 507,904-character GitHub annotation, issue 12)."""
    drift = "\n".join(f"data.key{n}: {'x' * 60} → {'y' * 60}" for n in range(4000))
    return Finding(
        Category.GOLDEN,
        "golden-drift",
        Severity.ERROR,
        drift,
        target="big",
        profile="prod",
        object="v1/ConfigMap/ns/big",
        file="golden/big/prod.yaml",
        line=3,
        drift="changed",
    )
