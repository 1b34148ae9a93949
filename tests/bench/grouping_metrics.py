"""Grouping metrics over labelled lines (shared by the grouping benchmarks).

GA, grouping accuracy (Zhu et al., ICSE-SEIP 2019): the fraction of lines
whose predicted group has exactly the members of their true group.
FGA (Khan et al., ICSE 2022): F1 of the groups that are exactly right, with
precision over the predicted groups and recall over the true groups.
"""
import collections


def scores(labels, preds):
    """(GA, FGA, true groups, predicted groups) of two equal-length lists."""
    assert len(labels) == len(preds), (len(labels), len(preds))
    true_size = collections.Counter(labels)
    by_pred = collections.defaultdict(list)
    for i, p in enumerate(preds):
        by_pred[p].append(i)
    lines_right = groups_right = 0
    for members in by_pred.values():
        first = labels[members[0]]
        if true_size[first] == len(members) and all(labels[i] == first for i in members):
            lines_right += len(members)
            groups_right += 1
    n = len(labels)
    ga = lines_right / n if n else 0.0
    p = groups_right / len(by_pred) if by_pred else 0.0
    r = groups_right / len(true_size) if true_size else 0.0
    fga = 2 * p * r / (p + r) if p + r else 0.0
    return ga, fga, len(true_size), len(by_pred)
