"""The fault-injecting proxy lives in testkit.faultproxy (the kill soak benchmark uses it too);
the sync tests import it from here."""

from testkit.faultproxy import Fault, FaultProxy, Plan, cycling_plan, random_plan

__all__ = ["Fault", "FaultProxy", "Plan", "cycling_plan", "random_plan"]
