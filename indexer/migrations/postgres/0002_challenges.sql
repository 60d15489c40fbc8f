-- Storage challenges: the recorded verdicts (one per node and epoch) and the slashes (one per
-- node and epoch change), from ChallengeVerdictRecorded and NodeSlashed.

CREATE TABLE challenge_verdicts (
    node_id TEXT NOT NULL,
    epoch BIGINT NOT NULL,
    passed BIGINT NOT NULL,
    checkpoint BIGINT NOT NULL,
    PRIMARY KEY (node_id, epoch)
);
CREATE INDEX challenge_verdicts_by_epoch ON challenge_verdicts (epoch);

CREATE TABLE slashes (
    node_id TEXT NOT NULL,
    epoch BIGINT NOT NULL,
    amount BIGINT NOT NULL,
    checkpoint BIGINT NOT NULL,
    PRIMARY KEY (node_id, epoch)
);
