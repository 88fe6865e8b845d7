"""Annotators in the loop: Label Studio and doccano round trips, model pre-labels, ranking.

- ``source``: documents to label, with pre-annotations from the current pipeline;
- ``labelstudio`` / ``doccano``: export tasks, import exports back into GUIDELINES.md JSONL;
- ``importing``: what both importers share: checks per task, the choice between annotators,
  the report of changes against the pre-annotations;
- ``rank``: which unlabelled documents teach the model most for a budget of characters;
- ``agreement``: span F1 and Cohen's kappa between two annotators;
- ``server``: a Label Studio ML backend serving pre-annotations over HTTP.
"""
