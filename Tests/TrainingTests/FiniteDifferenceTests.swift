import Foundation
import Testing
@testable import Training

/// Every parameter tensor's gradient against a central finite difference of the loss, at the
/// tensor's entry of largest gradient — a check on the backward pass that needs no PyTorch.
@Suite struct FiniteDifferenceTests {
    @Test func gradientsOfEveryLayerMatchFiniteDifferences() throws {
        let reference = try TrainingReference.load()
        let model = try loadTinyModel(batch: reference.batch, length: reference.length)
        model.forward(inputs: reference.inputs)
        model.backward(targets: reference.targets)
        let gradients = model.gradients.array()
        func loss() -> Double {
            model.forward(inputs: reference.inputs)
            return model.loss(targets: reference.targets).loss
        }
        let h: Float = 1e-2
        for entry in model.layout.entries {
            let range = entry.offset..<(entry.offset + entry.count)
            let index = range.max { abs(gradients[$0]) < abs(gradients[$1]) }!
            let saved = model.parameters[index]
            model.parameters[index] = saved + h
            let above = loss()
            model.parameters[index] = saved - h
            let below = loss()
            model.parameters[index] = saved
            let numeric = (above - below) / Double(2 * h)
            let analytic = Double(gradients[index])
            #expect(abs(numeric - analytic) <= 5e-3 * abs(analytic) + 2e-6,
                    "\(entry.name)[\(index - entry.offset)]: backward \(analytic), finite difference \(numeric)")
        }
    }
}
