/// The Codex paper's APPS prompt with one solved problem before the task (section 3.4 evaluates
/// APPS 1-shot): an example in the same QUESTION/ANSWER format, of the task's kind (standard input
/// or call-based), written for codeloop.
enum AppsOneShot {
    static let standardInput = """

        QUESTION:
        You are given two integers a and b. Print their sum.

        -----Input-----

        The only line contains two integers a and b (0 ≤ a, b ≤ 1000).

        -----Output-----

        Print a single integer: a + b.

        -----Examples-----
        Input
        2 3

        Output
        5

        Use Standard Input format
        ANSWER:
        a, b = map(int, input().split())
        print(a + b)

        """

    static let callBased = """

        QUESTION:
        Given a list of integers nums, return the largest difference between two of its elements.

        Example 1:
        Input: nums = [3, 9, 1]
        Output: 8
        class Solution:
            def largestGap(self, nums: List[int]) -> int:

        Use Call-Based format
        ANSWER:
        class Solution:
            def largestGap(self, nums: List[int]) -> int:
                return max(nums) - min(nums)

        """

    /// `problem` with the example of its kind before its prompt.
    static func prompted(_ problem: Problem) -> Problem {
        let example: String
        switch problem.suite {
        case .callBased: example = callBased
        case .standardIO: example = standardInput
        default: return problem
        }
        var shot = Problem(taskID: problem.taskID, prompt: example + problem.prompt, suffix: problem.suffix,
                           canonicalSolution: problem.canonicalSolution, entryPoint: problem.entryPoint, suite: problem.suite)
        shot.difficulty = problem.difficulty
        return shot
    }
}
