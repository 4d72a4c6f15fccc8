"""EVA planning: task library, CP-SAT planner, Gantt chart (imports nothing at package import)."""
